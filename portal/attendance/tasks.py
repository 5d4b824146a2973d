"""Celery beat: close every finished day (see attendance_days_close)."""

from celery import shared_task

from portal.attendance.services import attendance_days_close


@shared_task(acks_late=True, soft_time_limit=900, time_limit=960)
def attendance_days_close_task():
    return attendance_days_close()
