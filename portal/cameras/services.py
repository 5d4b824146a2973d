"""Cameras in the database: leases shared by the runners, health, and a decided track's record.

Several runners (on one machine or several) share the cameras through these
rows only. A runner takes a camera whose lease is free or ran out with one
conditional UPDATE (the same on PostgreSQL and SQLite: no row locks needed),
renews it while it reads the stream, and writes health only while it still
holds it: a runner that was presumed dead and comes back cannot overwrite
the new holder's figures.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.cameras.models import Camera
from portal.people.models import Person
from recognition.models import Capture
from recognition.results import CaptureResult, FaceResult
from recognition.sightings import Sighting, sighting_hand_over

# what a camera's purpose asks of an attendance event ("": the schedule's punch rule decides)
PURPOSE_DIRECTION: dict[str, str] = {Camera.Purpose.IN: "in", Camera.Purpose.OUT: "out"}


def camera_leases_claim(
    *, holder: str, lease_seconds: float, limit: int | None = None, now: datetime | None = None
) -> list[int]:
    """Take enabled cameras nobody holds (or whose holder's lease ran out), up to `limit` held in all.

    Returns the ids this runner holds now, those it already had included.
    """
    now = now or timezone.now()
    held = list(Camera.objects.filter(lease_holder=holder, lease_expires__gt=now).values_list("pk", flat=True))
    free = (
        Camera.objects.filter(enabled=True)
        .filter(Q(lease_expires=None) | Q(lease_expires__lte=now))
        .order_by("lease_expires", "pk")
        .values_list("pk", flat=True)
    )
    for pk in free:
        if limit is not None and len(held) >= limit:
            break
        # the lease may have been taken since the read: the UPDATE's condition decides
        taken = (
            Camera.objects.filter(pk=pk, enabled=True)
            .filter(Q(lease_expires=None) | Q(lease_expires__lte=now))
            .update(lease_holder=holder, lease_expires=now + timedelta(seconds=lease_seconds))
        )
        if taken:
            held.append(pk)
    return held


def camera_leases_renew(
    *, holder: str, ids: Iterable[int], lease_seconds: float, now: datetime | None = None
) -> set[int]:
    """Extend this runner's leases; returns the ids it still holds (a disabled camera is let go)."""
    now = now or timezone.now()
    mine = Camera.objects.filter(pk__in=ids, lease_holder=holder, lease_expires__gt=now, enabled=True)
    kept = list(mine.values_list("pk", flat=True))
    Camera.objects.filter(pk__in=kept, lease_holder=holder).update(lease_expires=now + timedelta(seconds=lease_seconds))
    return set(kept)


def camera_lease_release(*, holder: str, camera_id: int) -> None:
    """Let a camera go at once (the runner stops): another runner need not wait for the lease."""
    Camera.objects.filter(pk=camera_id, lease_holder=holder).update(
        lease_holder="", lease_expires=None, connected=False, frames_per_second=0.0, analysed_per_second=0.0
    )


def camera_health_write(*, holder: str, camera_id: int, **fields: Any) -> bool:
    """Write a camera's health while holding it; False when another runner has it now."""
    return bool(Camera.objects.filter(pk=camera_id, lease_holder=holder).update(health_at=timezone.now(), **fields))


def camera_track_record(
    *,
    camera: Camera,
    person_id: int | None,
    distance: float | None,
    first_seen: float,
    frame_jpeg: bytes,
    box: Sequence[int],
    frames: int,
    unknown_face: bytes | None,
    face_picture: bytes | None = None,
    face_quality: float | None = None,
    live: bool | None = None,
) -> Capture:
    """A decided track: its best frame kept as a Capture (the event's picture, expired like a
    kiosk attempt's), and one sighting handed to the router. A stranger's best face (face_picture,
    a small JPEG) goes with the sighting: the router puts it on the review list. `live`: the
    track's liveness test at a door (False: a picture, refused), None when not asked. Returns the Capture."""
    # one transaction: a database error part-way (SQLite's "database is locked" when two camera
    # threads write at once) leaves nothing behind, so the runner can record the pass again
    capture = Capture(
        source=Capture.Source.CAMERA,
        camera=camera,
        direction=PURPOSE_DIRECTION.get(camera.purpose, ""),
        status=Capture.Status.DONE,
        created_at=timezone.now(),  # the file's folder is named after it
        finished_at=timezone.now(),
    )
    capture.image.save(f"camera-{camera.pk}.jpg", ContentFile(frame_jpeg), save=False)
    try:
        with transaction.atomic():
            return _track_record(
                capture, person_id, distance, first_seen, box, frames, unknown_face, face_picture, face_quality, live
            )
    except Exception:
        capture.image.delete(save=False)  # a face picture with no row would escape retention and erasure
        raise


def _track_record(
    capture, person_id, distance, first_seen, box, frames, unknown_face, face_picture, face_quality, live
) -> Capture:
    person = Person.objects.filter(pk=person_id).first() if person_id is not None else None
    at = datetime.fromtimestamp(first_seen, UTC)
    camera, direction = capture.camera, capture.direction
    capture.save()
    face = FaceResult(
        box=list(box),
        person_id=person.pk if person else None,
        name=person.name if person else None,
        employee_id=person.employee_id if person else None,
        distance=None if distance is None else round(distance, 4),
        decision="match" if person else "unknown",
        frames=frames,
        first_seen=at.isoformat(),  # when the pass began: the sighting's time
        live=live,
    )
    sighting = Sighting(
        at=at,
        source="camera",
        person=person,
        distance=distance,
        capture=capture,
        camera_id=camera.pk,
        direction=direction,
        live=live,
        unknown_face=None if person else unknown_face,
        face_picture=None if person else face_picture,
        face_quality=None if person else face_quality,
    )
    face.take(sighting_hand_over(sighting))
    capture.result = CaptureResult(faces=[face]).to_json()
    capture.save(update_fields=["result"])
    return capture
