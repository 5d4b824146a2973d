"""The web side of recognition: accept uploads and queue the work.

Nothing here loads dlib; the work itself is in recognition.processing, which
only workers (and management commands) import.
"""

import hashlib
import time
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile, File
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from PIL import Image

from portal.core import wakeups
from portal.core.jobs import send
from portal.people.models import Person
from recognition import imaging
from recognition.models import Capture, CaptureFrame, FacePhoto, GalleryChange, GalleryVersion, VideoJob
from recognition.results import CaptureResult

if TYPE_CHECKING:  # the annotations only: PyAV loads in workers, never in the web process
    from recognition import video


def upload_limits() -> imaging.Limits:
    return imaging.Limits(max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS)


def upload_read(file: File) -> bytes:
    """Read an uploaded file and check that it is a usable image.

    Returns the bytes; raises imaging.ImageRejected with a message for the user.
    The size is checked before reading, so a huge upload is not read into memory.
    """
    limits = upload_limits()
    imaging.check_size(file.size, limits)
    file.seek(0)
    data = file.read()
    imaging.decode(data, limits)
    return data


def person_photo_add(
    *, person: Person, data: bytes, filename: str = "photo.jpg", queue: bool = True
) -> tuple[FacePhoto, bool]:
    """Store an enrollment photo and queue its encoding.

    Returns (photo, created); the same picture added twice to one person is
    stored once. `filename` (the client's) is not used for storage: the
    stored name's suffix follows the image type. With queue=False the caller encodes it itself (the command
    line does, to report each photo's outcome).
    """
    digest = hashlib.sha256(data).hexdigest()
    existing = FacePhoto.objects.filter(person=person, sha256=digest).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        photo = FacePhoto(person=person, sha256=digest)
        # the suffix comes from the bytes, never from the client's file name
        photo.image.save(imaging.stored_name(data, "photo"), ContentFile(data), save=False)
        photo_thumbnails_make(photo=photo, data=data, save=False)
        photo.save()
        photo_id = photo.pk
        if queue:
            transaction.on_commit(lambda: _enqueue_encode(photo_id))
    return photo, True


def photo_thumbnails_make(
    *, photo: FacePhoto, data: bytes | None = None, image: Image.Image | None = None, save: bool = True
) -> FacePhoto:
    """Store the small and medium thumbnails of a photo (from its bytes or its decoded image)."""
    try:
        image = image if image is not None else imaging.decode(data, upload_limits())
    except imaging.ImageRejected:
        return photo  # the encoder reports the problem; no thumbnail for an unreadable picture
    small, medium = imaging.thumbnails(image, photo.box)
    old = [f.name for f in (photo.thumb_small, photo.thumb_medium) if f.name]
    photo.thumb_small.save("thumb-s.jpg", ContentFile(small), save=False)
    photo.thumb_medium.save("thumb-m.jpg", ContentFile(medium), save=False)
    if save:
        FacePhoto.objects.filter(pk=photo.pk).update(
            thumb_small=photo.thumb_small.name, thumb_medium=photo.thumb_medium.name
        )
        storage = photo.thumb_small.storage

        def delete_old() -> None:
            for name in old:
                storage.delete(name)

        transaction.on_commit(delete_old)
    return photo


def capture_submit(
    *,
    data: bytes,
    filename: str = "capture.jpg",
    source: str = Capture.Source.UPLOAD,
    user: User | None = None,
    record_attendance: bool = True,
    claimed_person: Person | None = None,
    kiosk=None,  # a portal.kiosks Kiosk: an app above recognition, so not imported (nor typed) here
    client_id: str | None = None,
    direction: str = "",
    require_liveness: bool = False,
    frames: Sequence[bytes] = (),
    claimed_employee_id: str = "",
    liveness_challenge: str = "",
) -> Capture:
    """Store a picture for recognition and queue it. Returns the Capture.

    With `claimed_person` it is a 1:1 verification: is this face that person?
    A verify kiosk also passes the ID as typed (`claimed_employee_id`), and
    only that when nobody has it: the face is then processed and refused.
    A kiosk attempt may bring further `frames` (bytes) of the same burst; a
    second submission with the same `client_id` raises IntegrityError.
    """
    taken = imaging.exif_taken_at(data)
    if taken is not None:
        taken = timezone.make_aware(taken, timezone.get_current_timezone())
    with transaction.atomic():
        capture = Capture(
            taken_at=taken,
            source=source,
            submitted_by=user,
            record_attendance=record_attendance,
            claimed_person=claimed_person,
            kiosk=kiosk,
            client_id=client_id,
            direction=direction,
            require_liveness=require_liveness,
            claimed_employee_id=claimed_employee_id[:64],
            liveness_challenge=liveness_challenge,
        )
        capture.save()  # created_at is needed for the file's folder
        # the suffix comes from the bytes, never from the client's file name
        capture.image.save(imaging.stored_name(data, "capture"), ContentFile(data), save=True)
        for index, frame in enumerate(frames, start=1):
            name = imaging.stored_name(frame, f"frame-{index}")
            CaptureFrame(capture=capture, index=index).image.save(name, ContentFile(frame))
        capture_id = capture.pk
        transaction.on_commit(lambda: _enqueue_capture(capture_id))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        capture.refresh_from_db()
    return capture


# how often a waiting request looks at the capture's status: often while the
# capture is young (a recognition takes ~100 ms), then less and less, so that
# many kiosks waiting behind a long queue cost the database and the CPU little
CAPTURE_WAIT_POLL_SECONDS = 0.02
CAPTURE_WAIT_POLL_MAX_SECONDS = 0.5
CAPTURE_WAIT_FAST_SECONDS = 0.5
PENDING = (Capture.Status.QUEUED, Capture.Status.PROCESSING)


def capture_wait(*, capture: Capture, seconds: float, poll: float = CAPTURE_WAIT_POLL_SECONDS) -> Capture:
    """Wait until a worker has finished the capture or `seconds` have passed.

    Lets a page, the API or a kiosk answer in one round trip in the common
    case instead of polling. Returns the capture as it then is; if the
    database stops answering meanwhile, as it last was (the row exists: the
    client is told to ask again, never that it failed).
    """
    if capture.status not in PENDING or seconds <= 0:
        return capture
    deadline = time.monotonic() + seconds
    # a poll for a capture that has waited a while already starts slow
    young = capture.created_at is None or (timezone.now() - capture.created_at).total_seconds() < 1
    delay = poll if young else CAPTURE_WAIT_POLL_MAX_SECONDS / 2
    started = time.monotonic()
    status = capture.status
    try:
        # the worker wakes this wait at its commit (PostgreSQL); the looks below stay for when it cannot
        with wakeups.listening(wakeups.channel(Capture, capture.pk)) as sleep:
            while status in PENDING:
                now = time.monotonic()
                if now >= deadline:
                    break
                sleep(min(delay, deadline - now))
                # the status alone: a small query; the whole row once it is finished
                status = Capture.objects.filter(pk=capture.pk).values_list("status", flat=True).first() or ""
                if now - started > CAPTURE_WAIT_FAST_SECONDS or not young:
                    delay = min(delay * 1.5, CAPTURE_WAIT_POLL_MAX_SECONDS)
        if status != capture.status:
            capture.refresh_from_db()
    except (OperationalError, InterfaceError, Capture.DoesNotExist):
        pass
    return capture


def captures_forget_person(*, person: Person) -> list[int]:
    """Erase a person from the captures that name them: their name leaves the
    results, and the pictures (they show the face; the annotated copy
    names it) are deleted. The rows stay: other people's events point at them.
    Returns the ids of the captures changed. Verifications of the person go
    with the person (cascade)."""
    captures = Capture.objects.exclude(result=None).only("id", "result", "image", "annotated")
    if connection.features.supports_json_field_contains:
        captures = captures.filter(result__faces__contains=[{"person_id": person.pk}])
    changed = []
    for capture in captures.iterator(chunk_size=500):
        result = capture.face_result or CaptureResult()
        theirs = [face for face in result.faces if face.person_id == person.pk]
        if not theirs:
            continue  # without JSON containment the database could not narrow the search
        for face in theirs:
            face.person_id = face.name = face.employee_id = face.event_id = face.event = None
            face.decision = "erased"
        Capture.objects.filter(pk=capture.pk).update(result=result.to_json())
        capture_pictures_delete(capture=capture)
        changed.append(capture.pk)
    return changed


def capture_pictures_delete(*, capture: Capture) -> None:
    """Delete a capture's pictures (the first frame, the annotated copy, the further frames); the row stays."""
    names = [(f.storage, f.name) for f in (capture.image, capture.annotated) if f.name]
    names += [(frame.image.storage, frame.image.name) for frame in capture.frames.all() if frame.image.name]
    CaptureFrame.objects.filter(capture=capture).delete()
    Capture.objects.filter(pk=capture.pk).update(image="", annotated="")

    def delete_files() -> None:
        for storage, name in names:
            storage.delete(name)

    # after commit: a rolled-back erasure must not lose the files
    transaction.on_commit(delete_files)


def videos_forget_person(*, person: Person) -> int:
    """A kept video the person was found in shows their face: it goes with them. The
    job stays, its rows about the person go by cascade. Returns the number of videos deleted."""
    jobs = VideoJob.objects.filter(faces__person=person).exclude(video="").distinct().only("id", "video")
    deleted = 0
    for job in jobs:
        name, storage = cast(str, job.video.name), job.video.storage  # a job with a video: excluded above
        VideoJob.objects.filter(pk=job.pk).update(video="")
        # after commit: a rolled-back erasure must not lose the file
        transaction.on_commit(partial(storage.delete, name))
        deleted += 1
    return deleted


def video_limits() -> "video.Limits":
    from recognition import video

    return video.Limits(
        max_bytes=settings.VIDEO_MAX_BYTES,
        max_seconds=settings.VIDEO_MAX_SECONDS,
        max_pixels=settings.UPLOAD_MAX_PIXELS,
    )


def video_submit(
    *,
    file: File,
    filename: str = "video",
    user: User | None = None,
    source: str = "upload",
    keep: bool = False,
) -> VideoJob:
    """Check an uploaded video, store it and queue its recognition. Returns the VideoJob.

    Raises recognition.video.VideoRejected (with a message and a code) for a
    file that is not a readable video, too large or too long; the size is
    checked before anything is read. In the embedded setup (no broker) the
    video is processed before this returns.
    """
    from recognition import video

    found = video.probe(file, file.size, video_limits())
    file.seek(0)
    with transaction.atomic():
        job = VideoJob(
            filename=(filename or "")[:255],
            keep=keep,
            submitted_by=user,
            source=source,
            duration=found.duration or 0,
            width=found.width,
            height=found.height,
        )
        # the suffix comes from the bytes, never from the client's file name
        job.video.save(f"video{found.suffix}", File(file), save=False)
        job.save()
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue_video(job_id))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        job.refresh_from_db()
    return job


def _enqueue_video(job_id: int) -> None:
    from recognition.tasks import VIDEO

    send(VIDEO, job_id)


def _enqueue_encode(photo_id: int) -> None:
    from recognition.tasks import PHOTO

    send(PHOTO, photo_id)


def _enqueue_capture(capture_id: int) -> None:
    from recognition.tasks import CAPTURE

    send(CAPTURE, capture_id)


def captures_expire(*, now: datetime | None = None, days: int | None = None, batch: int = 1000) -> int:
    """Delete the captures (rows, frames and files) older than CAPTURE_RETENTION_DAYS; 0 keeps them.

    Without it the table and the folders grew for ever and erasure had every capture ever taken
    to look through (issue 24). The events, access log entries and review sightings that pointed
    at a capture stay, without it (SET_NULL). A capture still queued or being processed is left to
    finish. In batches, each in its own transaction: no lock held over the whole table. Returns
    how many were deleted."""
    from datetime import timedelta

    days = settings.CAPTURE_RETENTION_DAYS if days is None else days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = Capture.objects.filter(created_at__lt=cutoff, status__in=[Capture.Status.DONE, Capture.Status.FAILED])
    old = old.order_by()
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            # the files go after commit (recognition.signals)
            Capture.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted


# a process whose position is older than the log reloads once: a week covers any process still running
GALLERY_LOG_DAYS = 7


def gallery_changes_prune(*, now: datetime | None = None, days: int = GALLERY_LOG_DAYS) -> int:
    """Delete the gallery log's entries older than `days`, never the last change's.
    Returns how many were deleted."""
    from datetime import timedelta

    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = GalleryChange.objects.filter(created_at__lt=cutoff, seq__lt=GalleryVersion.current()).delete()
    return deleted
