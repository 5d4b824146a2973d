from django.conf import settings
from django.core.management.base import BaseCommand

from recognition.services import captures_expire


class Command(BaseCommand):
    help = "Delete the captures (rows, frames, files) older than CAPTURE_RETENTION_DAYS (the events stay)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="instead of CAPTURE_RETENTION_DAYS (0: keep)")

    def handle(self, *args, days=None, **options):
        days = settings.CAPTURE_RETENTION_DAYS if days is None else days
        deleted = captures_expire(days=days)
        self.stdout.write(f"{deleted} captures older than {days} days deleted.")
