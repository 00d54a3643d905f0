from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "svrazka.exports"
    label = "exports"
    verbose_name = "Exports"
