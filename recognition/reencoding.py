"""Moving every stored photo to another encoding version, in the background.

Searches go on in the active version while this runs: each photo gets its
encoding in the target version beside the active one (FacePhoto.next_*),
new photos are encoded in both (processing.face_photo_encode), and when
every photo has one the gallery switches in one transaction. A gallery
therefore never mixes versions in one search. The work is done in slices
of a few seconds, each ending with the job queued again, so a worker that
dies loses one slice at most.
"""

import logging
import time

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.core.jobs import send
from recognition import texts, versions
from recognition.models import FacePhoto, GalleryVersion, ReencodeJob

log = logging.getLogger(__name__)

BATCH = 16
MISSING_REASON = texts.REENCODE_MISSING


def _unreadable(target):
    """What next_model_name says of a photo that cannot be re-encoded into target (file gone, no face)."""
    return f"unreadable:{target}"[:100]


def _photos_to_do(target):
    # marked in the database, so that every slice of the job (each in any worker) skips them
    return (
        FacePhoto.objects.exclude(encoding=None)
        .exclude(model_name=target)
        .exclude(next_model_name__in=[target, _unreadable(target)])
    )


def reencode_needed(*, target=None):
    target = target or versions.wanted()
    return versions.active() != target or _photos_to_do(target).exists()


def reencode_start(*, target=None, started_by=None):
    """The running job into `target` (default: the wanted version), or a new one; None if nothing is to do."""
    from recognition import tasks

    target = target or versions.wanted()
    with transaction.atomic():
        running = ReencodeJob.objects.filter(
            target=target, status__in=[ReencodeJob.Status.QUEUED, ReencodeJob.Status.RUNNING]
        ).first()
        if running:
            return running
        if not reencode_needed(target=target):
            return None
        job = ReencodeJob.objects.create(
            target=target, started_by=started_by, total=FacePhoto.objects.exclude(encoding=None).count()
        )
        transaction.on_commit(lambda: send(tasks.REENCODE, job.pk))
    return job


def reencode_run(*, job, seconds=20.0, batch=BATCH):
    """Re-encode photos for up to `seconds`; True when every photo is done and the gallery switched."""
    from recognition import engine, imaging, processing  # dlib: workers and commands only

    options = processing.detect_options(job.target)
    deadline = time.monotonic() + seconds
    while True:  # at least one batch a call, however short the time
        photos = list(_photos_to_do(job.target).order_by("pk")[:batch])
        if not photos:
            reencode_switch(job=job)
            return True
        items, kept = [], []
        for photo in photos:
            try:
                with photo.image.open("rb") as handle:
                    image = imaging.decode(handle.read(), processing.upload_limits())
            except (FileNotFoundError, imaging.ImageRejected):
                image = None
            box = tuple(photo.box) if photo.box else None
            if image is not None and box is None:  # encoded before boxes were kept: find the face again
                faces = engine.detect(image, options)
                box = max(faces, key=lambda b: b[1] - b[3]) if faces else None
            if image is None or box is None:
                # it leaves the gallery at the switch, with a reason (reencode_switch)
                FacePhoto.objects.filter(pk=photo.pk).update(next_model_name=_unreadable(job.target))
                continue
            items.append((image, [box]))
            kept.append(photo)
        for photo, (encoding,) in zip(kept, engine.encode_many(items, options), strict=True):
            # only if the photo still has the encoding this was made for (it may have been deleted or redone)
            FacePhoto.objects.filter(pk=photo.pk, model_name=photo.model_name).update(
                next_encoding=encoding.astype("float32").tobytes(), next_model_name=job.target
            )
        job.done = min(job.total, job.done + len(photos))
        job.missing = FacePhoto.objects.filter(next_model_name=_unreadable(job.target)).count()
        job.save(update_fields=["done", "missing"])
        if time.monotonic() >= deadline:
            return False


def reencode_switch(*, job):
    """Make the target the active version: every photo at once, in one transaction."""
    target = job.target
    with transaction.atomic():
        GalleryVersion.objects.select_for_update().filter(pk=1).first()  # new photos wait for the switch
        FacePhoto.objects.exclude(encoding=None).filter(next_model_name=target).update(
            encoding=F("next_encoding"), model_name=target, next_encoding=None, next_model_name=""
        )
        # what could not be re-encoded leaves the gallery rather than be searched in another version
        left = FacePhoto.objects.exclude(encoding=None).exclude(model_name=target)
        lost = left.count()
        left.filter(Q(status=FacePhoto.Status.ACCEPTED) | Q(status=FacePhoto.Status.REVIEW)).update(
            status=FacePhoto.Status.REJECTED, reason_code="unreadable", reason=MISSING_REASON
        )
        left.update(encoding=None, next_encoding=None, next_model_name="")
        GalleryVersion.bump(encoding_version=target)
        job.status = ReencodeJob.Status.DONE
        job.done = job.total
        job.missing = lost
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "done", "missing", "finished_at"])
    log.info("encodings switched to %s (%d photos could not be re-encoded)", target, lost)
