"""`manage.py doors listen`: take door agents' reports (run it as a service, like `cameras run`)."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Door agents' reports: `listen` consumes them into door states and alarms."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listen = sub.add_parser("listen", help="consume door reports (one process holds the lease)")
        listen.add_argument("--holder", default=None, help="this listener's name in the lease")

    def handle(self, *args, action, holder=None, **options):
        if not settings.DOOR_MQTT_HOST:
            raise CommandError("DOOR_MQTT_HOST is empty: door agents report over MQTT.")
        from portal.access.listener import ReportListener

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        ReportListener(holder=holder).run(stop)
