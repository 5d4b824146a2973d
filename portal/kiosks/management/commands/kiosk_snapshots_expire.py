from django.conf import settings
from django.core.management.base import BaseCommand

from portal.kiosks.services import kiosk_snapshots_expire


class Command(BaseCommand):
    help = (
        "Delete the pictures of kiosk attempts and camera tracks older than KIOSK_SNAPSHOT_RETENTION_DAYS "
        "(the events stay)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="instead of KIOSK_SNAPSHOT_RETENTION_DAYS")

    def handle(self, *args, days=None, **options):
        days = settings.KIOSK_SNAPSHOT_RETENTION_DAYS if days is None else days
        cleared = kiosk_snapshots_expire(days=days)
        self.stdout.write(f"{cleared} kiosk attempts and camera tracks older than {days} days lost their pictures.")
