"""The recompute job: its states, limits and what to tell HR when it breaks."""

from django.utils.translation import gettext_noop

from portal.attendance.models import RecomputeJob
from portal.core.jobs import Job
from portal.core.messages import message_template

# a task works for SLICE_SECONDS, then queues the next slice: no task holds a worker for long
SLICE_SECONDS = 20.0
SOFT_LIMIT = 300
HARD_LIMIT = SOFT_LIMIT + 60

# why a job failed, kept as RecomputeJob.error (never rename a code)
TOO_LONG = message_template(
    "attendance.recompute_too_long",
    gettext_noop("Recomputing took too long; the days already recomputed are kept."),
)
BROKEN = message_template(
    "attendance.recompute_broken",
    gettext_noop("Recomputing stopped because of an internal error; the days already recomputed are kept."),
)
TEMPLATES = [TOO_LONG, BROKEN]

RECOMPUTE = Job(
    RecomputeJob,
    RecomputeJob.Status.QUEUED,
    RecomputeJob.Status.RUNNING,
    RecomputeJob.Status.FAILED,
    "error",
    task="portal.attendance.tasks.summaries_recompute_task",
    hard_limit=HARD_LIMIT,
    too_long=TOO_LONG,
    broken=BROKEN,
)
