from django.apps import AppConfig


class KiosksConfig(AppConfig):
    name = "portal.kiosks"
    label = "kiosks"
    verbose_name = "Kiosks"

    def ready(self):
        from portal.kiosks import signals  # noqa: F401
