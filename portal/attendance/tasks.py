"""Celery: close every finished day (beat, see attendance_days_close); recompute stored days after
a schedule or calendar change (a RecomputeJob, in slices)."""

from celery import shared_task

from portal.attendance.jobs import HARD_LIMIT, RECOMPUTE, SOFT_LIMIT
from portal.attendance.recompute import summaries_recompute_run
from portal.attendance.services import attendance_days_close
from portal.core.jobs import release, run_claimed, send


@shared_task(acks_late=True, soft_time_limit=900, time_limit=960)
def attendance_days_close_task():
    return attendance_days_close()


@shared_task(bind=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT, max_retries=5)
def summaries_recompute_task(self, job_id):
    """A slice of a recompute job; queues the next slice until everyone concerned is done."""

    def work(job):
        if not summaries_recompute_run(job=job):
            # hand the row back and queue the next slice: a long job does not hold a worker
            release(RECOMPUTE, job.pk)
            send(RECOMPUTE, job.pk)

    run_claimed(self, RECOMPUTE, job_id, work)
