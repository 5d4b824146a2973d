from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AttendanceConfig(AppConfig):
    name = "portal.attendance"
    label = "attendance"
    verbose_name = gettext_lazy("Attendance")

    def ready(self):
        from portal.attendance import jobs, texts
        from portal.core.messages import message_renderer_register, messages_register

        messages_register([*texts.ALL, *jobs.TEMPLATES])
        message_renderer_register(texts.HOLIDAY.code, texts.holiday_name_text)
