"""Celery tasks: claim the row, call the processing function. Nothing else.

Only ids cross the broker. The processing module (and with it dlib) is
imported inside the task so that the web process, which imports this module
to queue work, never loads the face models. The claim rule, retries and
failure handling are portal.core.jobs's, shared by every kind of work.
"""

import logging

from celery import shared_task
from celery.signals import worker_init, worker_ready
from django.db import DatabaseError

from portal.core.jobs import release, run_claimed, send
from recognition.jobs import (
    CAPTURE,
    HARD_LIMIT,
    PHOTO,
    REENCODE,
    SOFT_LIMIT,
    VIDEO,
    VIDEO_HARD_LIMIT,
    VIDEO_SOFT_LIMIT,
)

log = logging.getLogger(__name__)

TASK_OPTIONS = dict(acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT, max_retries=5)


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


@shared_task(bind=True, **TASK_OPTIONS)
def encode_photo(self, photo_id):
    from recognition.processing import face_photo_encode

    run_claimed(self, PHOTO, photo_id, lambda photo: face_photo_encode(photo=photo))


@shared_task(bind=True, **TASK_OPTIONS)
def process_capture(self, capture_id):
    from recognition.processing import capture_process

    run_claimed(self, CAPTURE, capture_id, lambda capture: capture_process(capture=capture))


@shared_task(bind=True, **TASK_OPTIONS)
def reencode_photos(self, job_id):
    """A slice of a re-encoding job; queues the next slice until every photo is done."""
    from recognition.reencoding import reencode_run

    def work(job):
        if not reencode_run(job=job):
            # hand the row back and queue the next slice: no task holds a worker for hours
            release(REENCODE, job.pk)
            send(REENCODE, job.pk)

    run_claimed(self, REENCODE, job_id, work)


@shared_task(bind=True, acks_late=True, soft_time_limit=VIDEO_SOFT_LIMIT, time_limit=VIDEO_HARD_LIMIT, max_retries=5)
def process_video(self, job_id):
    from recognition.processing import video_job_run

    run_claimed(self, VIDEO, job_id, lambda job: video_job_run(job=job))


@shared_task
def captures_expire_task():
    from recognition.services import captures_expire

    return captures_expire()


@shared_task
def gallery_changes_prune_task():
    from recognition.services import gallery_changes_prune

    return gallery_changes_prune()
