from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AttendanceConfig(AppConfig):
    name = "portal.attendance"
    label = "attendance"
    verbose_name = gettext_lazy("Attendance")
