from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RecoveryConfig(AppConfig):
    name = "portal.recovery"
    verbose_name = gettext_lazy("Recovery of queued and interrupted work")
