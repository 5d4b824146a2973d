from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ApiConfig(AppConfig):
    name = "portal.api"
    label = "api"
    verbose_name = gettext_lazy("API")

    def ready(self):
        # registers the OpenAPI description of token authentication
        from portal.api import schema  # noqa: F401
