from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "svrazka.scorecards"
    label = "scorecards"
    verbose_name = "Scorecards"
