from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "portal.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        # registers the OpenAPI description of token authentication
        from portal.api import schema  # noqa: F401
