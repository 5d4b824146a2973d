"""The report export job: its states, limits and what to tell the user when it breaks."""

from django.utils.translation import gettext_noop

from portal.core.jobs import Job
from portal.reports.models import ReportExport

SOFT_LIMIT = 3600
HARD_LIMIT = 3700

# a retry writes the file again from the start
EXPORT = Job(
    ReportExport,
    ReportExport.Status.QUEUED,
    ReportExport.Status.RUNNING,
    ReportExport.Status.FAILED,
    "error",
    task="portal.reports.tasks.report_export_task",
    hard_limit=HARD_LIMIT,
    too_long=gettext_noop("The export took too long; choose a shorter period or fewer people."),
    broken=gettext_noop("The export stopped because of an internal error."),
)
