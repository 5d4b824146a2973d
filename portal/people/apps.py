from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "portal.people"
    label = "people"
    verbose_name = "People"

    def ready(self):
        from portal.people import signals  # noqa: F401
