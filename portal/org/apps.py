from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrgConfig(AppConfig):
    name = "portal.org"
    label = "org"
    verbose_name = gettext_lazy("Organization pages")
