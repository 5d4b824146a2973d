"""The import job: its states, limits and what to tell the user when it breaks."""

from django.utils.translation import gettext_noop

from portal.core.jobs import Job
from portal.core.messages import message_template
from portal.people.models import ImportJob

SOFT_LIMIT = 3 * 3600  # IMPORT_MAX_FILES photos at about a second each
HARD_LIMIT = SOFT_LIMIT + 300

# why a job failed outside the archive's own refusal, kept as ImportJob.error (never rename a code)
TOO_LONG = message_template(
    "import.too_long",
    gettext_noop("The import took too long; split the archive into smaller ones and import each."),
)
BROKEN = message_template(
    "import.broken",
    gettext_noop("The import stopped because of an internal error; what was imported so far is kept."),
)

# a re-run after a dead worker or a retry after a database error does not add
# twice the photos it had stored: they are recognized by their checksum
IMPORT = Job(
    ImportJob,
    ImportJob.Status.QUEUED,
    ImportJob.Status.RUNNING,
    ImportJob.Status.FAILED,
    "error",
    task="portal.people.tasks.run_import",
    hard_limit=HARD_LIMIT,
    too_long=TOO_LONG,
    broken=BROKEN,
)
