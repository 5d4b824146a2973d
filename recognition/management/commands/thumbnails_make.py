"""Make the missing thumbnails of enrollment photos (those stored before thumbnails existed)."""

from django.core.management.base import BaseCommand
from django.db.models import Q

from recognition.models import FacePhoto
from recognition.services import photo_thumbnails_make


class Command(BaseCommand):
    help = "Make the small and medium thumbnails of every enrollment photo that has none."

    def handle(self, *args, **options):
        made = 0
        for photo in FacePhoto.objects.filter(Q(thumb_small="") | Q(thumb_medium="")).iterator(chunk_size=200):
            try:
                with photo.image.open("rb") as handle:
                    data = handle.read()
            except OSError:
                continue  # the file is gone; the photo's page says so already
            photo_thumbnails_make(photo=photo, data=data)
            made += 1
        self.stdout.write(f"{made} photo(s) given thumbnails.")
