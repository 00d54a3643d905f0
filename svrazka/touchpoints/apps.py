from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "svrazka.touchpoints"
    label = "touchpoints"
    verbose_name = "Touchpoints"
