from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "svrazka.history"
    label = "history"
    verbose_name = "History"
