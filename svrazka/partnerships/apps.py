from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "svrazka.partnerships"
    label = "partnerships"
    verbose_name = "Partnerships"
