"""Celery: write a large report export (claim the row, call the service); expire old files."""

from celery import shared_task

from portal.core.jobs import run_claimed
from portal.reports.jobs import EXPORT, HARD_LIMIT, SOFT_LIMIT
from portal.reports.services import report_export_run, report_exports_expire


@shared_task(bind=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT, max_retries=5)
def report_export_task(self, export_id):
    run_claimed(self, EXPORT, export_id, lambda export: report_export_run(export=export))


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def report_exports_expire_task():
    return report_exports_expire()
