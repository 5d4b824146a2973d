from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "portal.recovery"
    verbose_name = "Recovery of queued and interrupted work"
