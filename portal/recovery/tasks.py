"""The reconciler as a Celery beat task, and the worker's start-up release."""

from celery import shared_task
from celery.signals import celeryd_after_setup


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150, ignore_result=True)
def work_reconcile_task():
    """Every RECOVERY_INTERVAL_SECONDS (CELERY_BEAT_SCHEDULE)."""
    from portal.recovery.services import work_reconcile

    return work_reconcile().total()


@celeryd_after_setup.connect
def release_previous_claims(sender, **kwargs):
    """Before this worker takes any task: free what the last worker of this name held."""
    from portal.recovery.services import worker_claims_release

    try:
        worker_claims_release(hostname=sender)
    finally:
        from django.db import connections

        connections.close_all()  # not shared with the pool's forked children
