from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "portal.web"
    label = "web"
    verbose_name = "Web pages"

    def ready(self):
        from portal.web import checks  # noqa: F401  (registers the start-up checks)
