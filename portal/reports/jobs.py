"""The report export job: its states, limits and what to tell the user when it breaks."""

from django.utils.translation import gettext_noop

from portal.core.jobs import Job
from portal.core.messages import message_template
from portal.reports.models import ReportExport

SOFT_LIMIT = 3600
HARD_LIMIT = 3700

# why an export failed, kept as ReportExport.error and shown in the reader's language (never rename a code)
FILTERS_INVALID = message_template(
    "export.filters_invalid", gettext_noop("The filters are no longer valid: %(errors)s")
)
FAILED = message_template("export.failed", gettext_noop("The export failed: %(error)s"))
TOO_LONG = message_template(
    "export.too_long", gettext_noop("The export took too long; choose a shorter period or fewer people.")
)
BROKEN = message_template("export.broken", gettext_noop("The export stopped because of an internal error."))
# each write of the file was disturbed by the erasure of someone in it (written again each time, then given up)
ERASED_WHILE_WRITTEN = message_template(
    "export.erased_while_written",
    gettext_noop("People in this export were erased while it was being written; ask for it again."),
)
TEMPLATES = [FILTERS_INVALID, FAILED, TOO_LONG, BROKEN, ERASED_WHILE_WRITTEN]

# a retry writes the file again from the start
EXPORT = Job(
    ReportExport,
    ReportExport.Status.QUEUED,
    ReportExport.Status.RUNNING,
    ReportExport.Status.FAILED,
    "error",
    task="portal.reports.tasks.report_export_task",
    hard_limit=HARD_LIMIT,
    too_long=TOO_LONG,
    broken=BROKEN,
)
