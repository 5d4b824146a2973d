from django.conf import settings
from django.core.management.base import BaseCommand

from portal.access.visitors import visitors_erase


class Command(BaseCommand):
    help = "Erase the face photos and templates of visitors whose pass ended VISITOR_RETENTION_DAYS ago."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="instead of VISITOR_RETENTION_DAYS")

    def handle(self, *args, days=None, **options):
        days = settings.VISITOR_RETENTION_DAYS if days is None else days
        erased = visitors_erase(days=days)
        self.stdout.write(f"{erased} visitors whose pass ended more than {days} days ago had their face erased.")
