from django.conf import settings
from django.core.management.base import BaseCommand

from portal.people.services import import_archives_expire


class Command(BaseCommand):
    help = "Delete the uploaded ZIPs of imports finished more than IMPORT_ARCHIVE_KEEP_DAYS ago (the reports stay)."

    def handle(self, *args, **options):
        expired = import_archives_expire()
        days = settings.IMPORT_ARCHIVE_KEEP_DAYS
        self.stdout.write(f"{expired} import archives older than {days} days deleted.")
