from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PeopleConfig(AppConfig):
    name = "portal.people"
    label = "people"
    verbose_name = gettext_lazy("People")

    def ready(self):
        from portal.core.messages import messages_register
        from portal.people import imports, jobs, signals  # noqa: F401 (signals connect on import)

        messages_register([*imports.TEMPLATES, jobs.TOO_LONG, jobs.BROKEN])
