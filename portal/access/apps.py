from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccessConfig(AppConfig):
    name = "portal.access"
    label = "access"
    verbose_name = gettext_lazy("Doors and access")
