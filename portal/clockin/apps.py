from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ClockInConfig(AppConfig):
    name = "portal.clockin"
    label = "clockin"
    verbose_name = gettext_lazy("Phone clock-in")
