"""Celery tasks: claim the row, call the processing function. Nothing else.

Only ids cross the broker. The processing module (and with it dlib) is
imported inside the task so that the web process, which imports this module
to queue work, never loads the face models.
"""

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from recognition.models import Capture, FacePhoto

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
    """Load dlib's models once in the worker's main process; the pool's
    children inherit them, so no task pays for loading."""
    import recognition.engine  # noqa: F401


def claim(model, pk, *, queued, working):
    """Move a row from `queued` to `working`; False if another worker has it.

    The broker may deliver a task twice (acks_late after a worker died). A row
    left `working` longer than the hard time limit belonged to a dead worker
    and may be claimed again.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=HARD_LIMIT + 30)
    return bool(
        model.objects.filter(Q(status=queued) | Q(status=working, claimed_at__lt=stale), pk=pk).update(
            status=working, claimed_at=now
        )
    )


def release(model, pk, *, queued, working):
    """Hand a claimed row back so that the retry can claim it again."""
    try:
        model.objects.filter(pk=pk, status=working).update(status=queued, claimed_at=None)
    except DatabaseError:
        pass  # the database is down; the stale-claim rule frees the row later


def give_up(model, pk, *, working, failed, field, message):
    """A row whose processing broke must not stay `working` forever."""
    log.exception("%s %s failed", model.__name__, pk)
    try:
        model.objects.filter(pk=pk, status=working).update(status=failed, **{field: message})
    except DatabaseError:
        log.exception("could not mark %s %s as failed", model.__name__, pk)


@shared_task(bind=True, **TASK_OPTIONS)
def encode_photo(self, photo_id):
    states = dict(queued=FacePhoto.Status.QUEUED, working=FacePhoto.Status.ENCODING)
    try:
        if not claim(FacePhoto, photo_id, **states):
            return
        from recognition.processing import face_photo_encode

        face_photo_encode(photo=FacePhoto.objects.select_related("person").get(pk=photo_id))
    except FacePhoto.DoesNotExist:
        return  # deleted while queued
    except TRANSIENT as exc:
        release(FacePhoto, photo_id, **states)
        raise self.retry(exc=exc) from exc
    except SoftTimeLimitExceeded:
        give_up(
            FacePhoto,
            photo_id,
            working=states["working"],
            failed=FacePhoto.Status.REJECTED,
            field="reason",
            message="Encoding this photo took too long; try a smaller photo.",
        )
    except Exception:
        give_up(
            FacePhoto,
            photo_id,
            working=states["working"],
            failed=FacePhoto.Status.REJECTED,
            field="reason",
            message="This photo could not be processed because of an internal error.",
        )


@shared_task(bind=True, **TASK_OPTIONS)
def process_capture(self, capture_id):
    states = dict(queued=Capture.Status.QUEUED, working=Capture.Status.PROCESSING)
    try:
        if not claim(Capture, capture_id, **states):
            return
        from recognition.processing import capture_process

        capture_process(capture=Capture.objects.get(pk=capture_id))
    except Capture.DoesNotExist:
        return
    except TRANSIENT as exc:
        release(Capture, capture_id, **states)
        raise self.retry(exc=exc) from exc
    except SoftTimeLimitExceeded:
        give_up(
            Capture,
            capture_id,
            working=states["working"],
            failed=Capture.Status.FAILED,
            field="error",
            message="Recognition took too long; try a smaller picture.",
        )
    except Exception:
        give_up(
            Capture,
            capture_id,
            working=states["working"],
            failed=Capture.Status.FAILED,
            field="error",
            message="This picture could not be processed because of an internal error.",
        )
