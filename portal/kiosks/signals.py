"""A face photo's derived files go with it."""

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from recognition.models import FacePhoto

THUMBNAILS = "kiosk-thumbnails"


def thumbnail_files(photo_pk):
    """Every cached kiosk greeting picture cut from one photo (any size, half-written ones too): names
    in the media storage (older installs made them; thumbnails now live on the photo)."""
    try:
        _, files = default_storage.listdir(THUMBNAILS)
    except FileNotFoundError:
        return []
    return [f"{THUMBNAILS}/{name}" for name in files if name.startswith(f"{photo_pk}-")]


@receiver(post_delete, sender=FacePhoto)
def photo_thumbnails_delete(sender, instance, **kwargs):
    pk = instance.pk
    # after commit, like the photo's own file: a rolled-back delete keeps them
    transaction.on_commit(lambda: [default_storage.delete(name) for name in thumbnail_files(pk)])
