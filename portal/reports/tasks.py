"""Celery: write a large report export (claim the row, call the service); expire old files."""

from celery import shared_task
from django.utils import timezone

from portal.reports.models import ReportExport
from portal.reports.services import report_export_run, report_exports_expire


@shared_task(acks_late=True, soft_time_limit=3600, time_limit=3700)
def report_export_task(export_id):
    # claim first: the broker may redeliver after a worker dies
    claimed = ReportExport.objects.filter(pk=export_id, status=ReportExport.Status.QUEUED).update(
        status=ReportExport.Status.RUNNING, claimed_at=timezone.now()
    )
    if claimed:
        report_export_run(export=ReportExport.objects.get(pk=export_id))


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def report_exports_expire_task():
    return report_exports_expire()
