from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PeopleConfig(AppConfig):
    name = "portal.people"
    label = "people"
    verbose_name = gettext_lazy("People")

    def ready(self):
        from portal.people import signals  # noqa: F401
