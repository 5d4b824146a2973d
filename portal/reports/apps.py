from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReportsConfig(AppConfig):
    name = "portal.reports"
    label = "reports"
    verbose_name = gettext_lazy("Reports")

    def ready(self):
        from portal.core.erasure import erasure_register
        from portal.core.messages import messages_register
        from portal.reports import jobs
        from portal.reports.erasure import report_names_forget

        erasure_register(names=report_names_forget)
        messages_register(jobs.TEMPLATES)
