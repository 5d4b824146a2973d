from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WebConfig(AppConfig):
    name = "portal.web"
    label = "web"
    verbose_name = gettext_lazy("Web pages")

    def ready(self):
        from portal.web import checks  # noqa: F401  (registers the start-up checks)
