from django.core.management.base import BaseCommand

from portal.attendance.services import attendance_days_close


class Command(BaseCommand):
    help = (
        "Store the final daily summary of every active person for each finished day of the last "
        "--days days (what Celery beat does every hour); use it to fill in days after an outage."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="how many days back to look (default 7)")

    def handle(self, *args, days, **options):
        if days < 0 or days > 366:
            self.stderr.write("--days must be between 0 and 366.")
            raise SystemExit(2)
        written = attendance_days_close(lookback_days=days)
        self.stdout.write(f"{written} daily summaries closed.")
