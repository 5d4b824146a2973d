from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RecognitionConfig(AppConfig):
    name = "recognition"
    verbose_name = gettext_lazy("Recognition")

    def ready(self):
        from recognition import signals  # noqa: F401
