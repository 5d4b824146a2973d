import threading

from celery import current_app as app  # the project's, made current by portal/__init__.py
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.core import periodic


class Command(BaseCommand):
    help = (
        "Run Celery beat's schedule in this process, each task in-process, until stopped: the periodic "
        "work of an embedded portal (no broker) served by something other than `make run`, which does it "
        "itself. With a broker, run `celery -A portal beat` instead."
    )

    def handle(self, *args, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("A broker is set (CELERY_BROKER_URL): run `celery -A portal beat` and workers instead.")
        work = periodic.from_settings(app)
        self.stdout.write("periodic work: " + ", ".join(entry.name for entry in work.entries))
        periodic.run_forever(work, threading.Event())
