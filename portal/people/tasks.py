"""The import task: claim the job, run the import. Only the job's id crosses
the broker."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError
from django.utils import timezone

from portal.people.models import ImportJob
from recognition import tasks as recognition_tasks

log = logging.getLogger(__name__)

SOFT_LIMIT = 3 * 3600  # IMPORT_MAX_FILES photos at about a second each
HARD_LIMIT = SOFT_LIMIT + 300


def claim(job_id):
    """queued -> running, once (the photos a dead worker had stored are
    recognized by their checksum and not added twice)."""
    return recognition_tasks.claim(
        ImportJob, job_id, queued=ImportJob.Status.QUEUED, working=ImportJob.Status.RUNNING, hard_limit=HARD_LIMIT
    )


def fail(job_id, message):
    log.exception("import %s failed", job_id)
    try:
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now()
        )
    except DatabaseError:
        log.exception("could not mark import %s as failed", job_id)


@shared_task(bind=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def run_import(self, job_id):
    if not claim(job_id):
        return
    from portal.people.services import import_job_run

    try:
        import_job_run(job=ImportJob.objects.get(pk=job_id))
    except ImportJob.DoesNotExist:
        return
    except SoftTimeLimitExceeded:
        fail(job_id, "The import took too long; split the archive into smaller ones and import each.")
    except Exception:
        fail(job_id, "The import stopped because of an internal error; what was imported so far is kept.")


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
