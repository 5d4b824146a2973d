from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RecognitionConfig(AppConfig):
    name = "recognition"
    verbose_name = gettext_lazy("Recognition")

    def ready(self):
        from portal.core.messages import messages_register
        from recognition import signals, texts  # noqa: F401 (signals connect on import)

        messages_register(texts.ALL)
