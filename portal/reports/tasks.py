"""Celery: write a large report export (claim the row, call the service); expire old files."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext_noop

from portal.recovery.jobs import Job, claim, claim_token, give_up
from portal.reports.models import ReportExport
from portal.reports.services import report_export_run, report_exports_expire

SOFT_LIMIT = 3600
HARD_LIMIT = 3700

EXPORT = Job(
    ReportExport,
    ReportExport.Status.QUEUED,
    ReportExport.Status.RUNNING,
    ReportExport.Status.FAILED,
    "error",
    task="portal.reports.tasks.report_export_task",
    hard_limit=HARD_LIMIT,
    too_long=gettext_noop("The export took too long; choose a shorter period or fewer people."),
    broken=gettext_noop("The export stopped because of an internal error."),
)


@shared_task(bind=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def report_export_task(self, export_id):
    # claim first: the broker may redeliver after a worker dies
    if not claim(EXPORT, export_id, token=claim_token(self.request)):
        return
    try:
        report_export_run(export=ReportExport.objects.get(pk=export_id))
    except ReportExport.DoesNotExist:
        return
    except SoftTimeLimitExceeded:
        give_up(EXPORT, export_id, EXPORT.too_long)
    except Exception:
        give_up(EXPORT, export_id, EXPORT.broken)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def report_exports_expire_task():
    return report_exports_expire()
