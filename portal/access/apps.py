from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccessConfig(AppConfig):
    name = "portal.access"
    label = "access"
    verbose_name = gettext_lazy("Doors and access")

    def ready(self):
        from portal.access import erasure, rules, texts
        from portal.core.erasure import erasure_register
        from portal.core.messages import messages_register

        messages_register([*texts.ALL, *rules.WHY, *rules.REASONS.values()])
        erasure_register(
            showing=erasure.access_captures_showing,
            pictures_gone=erasure.access_pictures_gone,
            names=erasure.access_names_forget,
        )
