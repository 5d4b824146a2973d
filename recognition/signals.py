"""Keep the galleries fresh and the disk clean when photos go away."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from recognition.models import Capture, CaptureFrame, FacePhoto, GalleryVersion


@receiver(post_delete, sender=FacePhoto)
def photo_deleted(sender, instance, **kwargs):
    if instance.status == FacePhoto.Status.ACCEPTED:
        GalleryVersion.bump(people=[instance.person_id])
    _delete_files_on_commit(instance.image, instance.thumb_small, instance.thumb_medium)


@receiver(post_delete, sender=Capture)
def capture_deleted(sender, instance, **kwargs):
    _delete_files_on_commit(instance.image, instance.annotated)


@receiver(post_delete, sender=CaptureFrame)
def capture_frame_deleted(sender, instance, **kwargs):
    _delete_files_on_commit(instance.image)


def _delete_files_on_commit(*files):
    # after commit: a rolled-back delete must not lose the file
    names = [(f.storage, f.name) for f in files if f and f.name]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])
