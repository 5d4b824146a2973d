"""Celery tasks: claim the row, call the processing function. Nothing else.

Only ids cross the broker. The processing module (and with it dlib) is
imported inside the task so that the web process, which imports this module
to queue work, never loads the face models.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_ready
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from recognition.models import Capture, FacePhoto, ReencodeJob

log = logging.getLogger(__name__)

SOFT_LIMIT = 60
HARD_LIMIT = 90
TRANSIENT = (OperationalError, InterfaceError)
TASK_OPTIONS = dict(
    acks_late=True,
    soft_time_limit=SOFT_LIMIT,
    time_limit=HARD_LIMIT,
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=60,
)


@worker_init.connect
def load_models_before_forking(**kwargs):
    """Load dlib's models and choose the encoder (generating and checking the
    ONNX graph the first time) once in the worker's main process; the pool's
    children inherit them, so no task pays for loading."""
    from recognition import versions

    versions.encoder_start()


@worker_ready.connect
def reencode_when_the_version_changed(**kwargs):
    """After an upgrade that changes the encoding version, re-encode without anyone asking.

    Searches go on in the active version meanwhile; several workers starting
    at once find the job the first one queued.
    """
    from recognition.reencoding import reencode_start

    try:
        job = reencode_start()
    except DatabaseError:
        log.exception("could not check whether stored encodings need re-encoding")
        return
    if job:
        log.info("re-encoding %d photos into %s (job %d)", job.total, job.target, job.pk)


def claim(model, pk, *, queued, working, hard_limit=HARD_LIMIT):
    """Move a row from `queued` to `working`; False if another worker has it.

    The broker may deliver a task twice (acks_late after a worker died). A row
    left `working` longer than the hard time limit belonged to a dead worker
    and may be claimed again.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=hard_limit + 30)
    return bool(
        model.objects.filter(Q(status=queued) | Q(status=working, claimed_at__lt=stale), pk=pk).update(
            status=working, claimed_at=now
        )
    )


def release(job, pk):
    """Hand a claimed row back so that the retry can claim it again."""
    try:
        job.model.objects.filter(pk=pk, status=job.working).update(status=job.queued, claimed_at=None)
    except DatabaseError:
        pass  # the database is down; the stale-claim rule frees the row later


def give_up(job, pk, message):
    """A row whose processing broke must not stay `working` forever."""
    log.exception("%s %s failed", job.model.__name__, pk)
    try:
        job.model.objects.filter(pk=pk, status=job.working).update(status=job.failed, **{job.message_field: message})
    except DatabaseError:
        log.exception("could not mark %s %s as failed", job.model.__name__, pk)


@dataclass(frozen=True)
class Job:
    """The states of one kind of row, and what to tell the user when it breaks."""

    model: type
    queued: str
    working: str
    failed: str
    message_field: str
    too_long: str
    broken: str


PHOTO = Job(
    FacePhoto,
    FacePhoto.Status.QUEUED,
    FacePhoto.Status.ENCODING,
    FacePhoto.Status.REJECTED,
    "reason",
    too_long="Encoding this photo took too long; try a smaller photo.",
    broken="This photo could not be processed because of an internal error.",
)
CAPTURE = Job(
    Capture,
    Capture.Status.QUEUED,
    Capture.Status.PROCESSING,
    Capture.Status.FAILED,
    "error",
    too_long="Recognition took too long; try a smaller picture.",
    broken="This picture could not be processed because of an internal error.",
)


def run_claimed(task, job, pk, work):
    """Claim row `pk`, then `work(row)`; transient database errors retry."""
    try:
        if not claim(job.model, pk, queued=job.queued, working=job.working):
            return
        work(job.model.objects.get(pk=pk))
    except job.model.DoesNotExist:
        return  # deleted while queued
    except TRANSIENT as exc:
        release(job, pk)
        raise task.retry(exc=exc) from exc
    except SoftTimeLimitExceeded:
        give_up(job, pk, job.too_long)
    except Exception:
        give_up(job, pk, job.broken)


@shared_task(bind=True, **TASK_OPTIONS)
def encode_photo(self, photo_id):
    from recognition.processing import face_photo_encode

    run_claimed(self, PHOTO, photo_id, lambda photo: face_photo_encode(photo=photo))


@shared_task(bind=True, **TASK_OPTIONS)
def process_capture(self, capture_id):
    from recognition.processing import capture_process

    run_claimed(self, CAPTURE, capture_id, lambda capture: capture_process(capture=capture))


REENCODE = Job(
    ReencodeJob,
    ReencodeJob.Status.QUEUED,
    ReencodeJob.Status.RUNNING,
    ReencodeJob.Status.FAILED,
    "error",
    too_long="Re-encoding a slice of photos took too long.",
    broken="Re-encoding stopped because of an internal error; start it again from the encodings page.",
)


@shared_task(bind=True, **TASK_OPTIONS)
def reencode_photos(self, job_id):
    """A slice of a re-encoding job; queues the next slice until every photo is done."""
    from recognition.reencoding import reencode_run

    def work(job):
        if not reencode_run(job=job):
            # hand the row back and queue the next slice: no task holds a worker for hours
            release(REENCODE, job.pk)
            reencode_photos.delay(job.pk)

    run_claimed(self, REENCODE, job_id, work)
