from django.conf import settings
from django.core.management.base import BaseCommand

from portal.review.services import review_expire


class Command(BaseCommand):
    help = "Erase unknown faces (pictures, encodings, sightings) last seen REVIEW_RETENTION_DAYS ago or more."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="instead of REVIEW_RETENTION_DAYS")

    def handle(self, *args, days=None, **options):
        days = settings.REVIEW_RETENTION_DAYS if days is None else days
        erased = review_expire(days=days)
        self.stdout.write(f"{erased} unknown faces last seen more than {days} days ago were erased.")
