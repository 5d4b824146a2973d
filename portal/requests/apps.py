from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RequestsConfig(AppConfig):
    name = "portal.requests"
    label = "requests"
    verbose_name = gettext_lazy("Requests and approval")
