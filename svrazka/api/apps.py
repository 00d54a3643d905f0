from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "svrazka.api"
    label = "api"
    verbose_name = "JSON API"
