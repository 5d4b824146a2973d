"""A camera's latest frame may show an erased person (a hook for portal.core.erasure)."""

from django.db import transaction

from portal.cameras.models import Camera
from portal.cameras.pictures import camera_picture_delete
from recognition.models import Capture


def camera_pictures_gone(*, person, capture_ids):
    # replaced within seconds while the camera reads, but a stopped camera keeps it
    cameras = set(Capture.objects.filter(pk__in=capture_ids, camera__isnull=False).values_list("camera_id", flat=True))
    Camera.objects.filter(pk__in=cameras).update(last_picture_at=None)
    transaction.on_commit(lambda: [camera_picture_delete(camera_id) for camera_id in cameras])
