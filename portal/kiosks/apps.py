from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class KiosksConfig(AppConfig):
    name = "portal.kiosks"
    label = "kiosks"
    verbose_name = gettext_lazy("Kiosks")

    def ready(self):
        from portal.kiosks import signals  # noqa: F401
