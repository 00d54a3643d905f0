from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "svrazka.contacts"
    label = "contacts"
    verbose_name = "Contacts"
