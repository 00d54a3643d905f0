from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "svrazka.network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from svrazka.network import signals

        signals.connect()
