"""A face photo's derived files go with it."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from recognition.models import FacePhoto

THUMBNAILS = "kiosk-thumbnails"


def thumbnail_files(photo_pk):
    """Every cached kiosk greeting picture cut from one photo (any size, half-written ones too)."""
    return list((Path(settings.MEDIA_ROOT) / THUMBNAILS).glob(f"{photo_pk}-*"))


@receiver(post_delete, sender=FacePhoto)
def photo_thumbnails_delete(sender, instance, **kwargs):
    pk = instance.pk
    # after commit, like the photo's own file: a rolled-back delete keeps them
    transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in thumbnail_files(pk)])
