from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccessConfig(AppConfig):
    name = "portal.access"
    label = "access"
    verbose_name = gettext_lazy("Doors and access")

    def ready(self):
        from portal.access import rules, texts
        from portal.core.messages import templates_register

        templates_register("reasons", [*texts.ALERTS, *texts.ACTIONS, *texts.DETAILS])
        templates_register("why", rules.WHY)
