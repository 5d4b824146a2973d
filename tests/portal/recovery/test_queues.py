"""Kiosk work never waits behind an import: each kind of task has its queue, and a plain worker reads them all."""

from django.conf import settings

from portal.celery import app


def queue_of(task_name):
    return app.amqp.router.route({}, task_name)["queue"].name


def test_recognition_goes_to_the_kiosk_queue_and_long_jobs_to_the_bulk_queue():
    assert queue_of("recognition.tasks.process_capture") == settings.CELERY_KIOSK_QUEUE
    assert queue_of("portal.people.tasks.run_import") == settings.CELERY_BULK_QUEUE
    assert queue_of("portal.reports.tasks.report_export_task") == settings.CELERY_BULK_QUEUE
    assert queue_of("portal.recovery.tasks.work_reconcile_task") == settings.CELERY_TASK_DEFAULT_QUEUE
    assert len({settings.CELERY_KIOSK_QUEUE, settings.CELERY_BULK_QUEUE, settings.CELERY_TASK_DEFAULT_QUEUE}) == 3


def test_a_worker_started_without_q_reads_every_queue():
    assert set(app.amqp.queues) == {
        settings.CELERY_KIOSK_QUEUE,
        settings.CELERY_TASK_DEFAULT_QUEUE,
        settings.CELERY_BULK_QUEUE,
        *settings.DOOR_COMMAND_QUEUES.values(),  # one per door channel (portal/access/tasks.py)
    }


def test_the_reconciler_runs_from_beat_often():
    entry = settings.CELERY_BEAT_SCHEDULE["recovery-reconcile"]
    assert entry["task"] == "portal.recovery.tasks.work_reconcile_task"
    assert entry["schedule"] <= 60
