"""Celery beat: reminders to employees (see portal.employees.reminders)."""

from celery import shared_task

from portal.employees.reminders import missing_checkouts_remind


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def missing_checkouts_remind_task():
    return missing_checkouts_remind()
