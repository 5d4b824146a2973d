from django.conf import settings
from django.core.management.base import BaseCommand

from portal.people.services import person_merges_expire


class Command(BaseCommand):
    help = "Delete the records merged into others whose undo period (PEOPLE_MERGE_UNDO_DAYS) is over."

    def handle(self, *args, **options):
        deleted = person_merges_expire()
        self.stdout.write(f"{deleted} merged record(s) older than {settings.PEOPLE_MERGE_UNDO_DAYS} days deleted.")
