from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "svrazka.imports"
    verbose_name = "Imports"
