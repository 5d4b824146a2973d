"""The import task: claim the job, run the import. Only the job's id crosses
the broker; the claim rule is portal.recovery.jobs's."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext_noop

from portal.people.models import ImportJob
from portal.recovery.jobs import Job, claim, claim_token, give_up

log = logging.getLogger(__name__)

SOFT_LIMIT = 3 * 3600  # IMPORT_MAX_FILES photos at about a second each
HARD_LIMIT = SOFT_LIMIT + 300

# a re-run after a dead worker does not add twice the photos it had stored:
# they are recognized by their checksum
IMPORT = Job(
    ImportJob,
    ImportJob.Status.QUEUED,
    ImportJob.Status.RUNNING,
    ImportJob.Status.FAILED,
    "error",
    task="portal.people.tasks.run_import",
    hard_limit=HARD_LIMIT,
    too_long=gettext_noop("The import took too long; split the archive into smaller ones and import each."),
    broken=gettext_noop("The import stopped because of an internal error; what was imported so far is kept."),
)


@shared_task(bind=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def run_import(self, job_id):
    if not claim(IMPORT, job_id, token=claim_token(self.request)):
        return
    from portal.people.services import import_job_run

    try:
        import_job_run(job=ImportJob.objects.get(pk=job_id))
    except ImportJob.DoesNotExist:
        return
    except SoftTimeLimitExceeded:
        give_up(IMPORT, job_id, IMPORT.too_long)
    except Exception:
        give_up(IMPORT, job_id, IMPORT.broken)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def import_archives_expire_task():
    """Daily (CELERY_BEAT_SCHEDULE): uploaded ZIPs of finished imports go."""
    from portal.people.services import import_archives_expire

    return import_archives_expire()


@shared_task
def person_merges_expire_task():
    """Daily (CELERY_BEAT_SCHEDULE): merged records past their undo period are deleted."""
    from portal.people.services import person_merges_expire

    return person_merges_expire()
