"""The import task: claim the job, run the import. Only the job's id crosses
the broker; the claim rule, retries and failures are portal.core.jobs's."""

from celery import shared_task

from portal.core.jobs import run_claimed
from portal.people.jobs import HARD_LIMIT, IMPORT, SOFT_LIMIT


@shared_task(bind=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT, max_retries=5)
def run_import(self, job_id):
    from portal.people.services import import_job_run

    run_claimed(self, IMPORT, job_id, lambda job: import_job_run(job=job))


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
