from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "portal.org"
    label = "org"
    verbose_name = "Organization pages"
