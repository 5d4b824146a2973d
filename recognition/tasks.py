"""Celery tasks: claim the row, call the processing function. Nothing else.

Only ids cross the broker. The processing module (and with it dlib) is
imported inside the task so that the web process, which imports this module
to queue work, never loads the face models. The claim rule, retries and
failure handling are portal.recovery.jobs's, shared by every kind of work.
"""

from celery import shared_task
from celery.signals import worker_init

from portal.recovery.jobs import Job, run_claimed
from recognition.models import Capture, FacePhoto

SOFT_LIMIT = 60
HARD_LIMIT = 90
TASK_OPTIONS = dict(acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT, max_retries=5)


@worker_init.connect
def load_models_before_forking(**kwargs):
    """Load dlib's models once in the worker's main process; the pool's
    children inherit them, so no task pays for loading."""
    import recognition.engine  # noqa: F401


PHOTO = Job(
    FacePhoto,
    FacePhoto.Status.QUEUED,
    FacePhoto.Status.ENCODING,
    FacePhoto.Status.REJECTED,
    "reason",
    task="recognition.tasks.encode_photo",
    hard_limit=HARD_LIMIT,
    too_long="Encoding this photo took too long; try a smaller photo.",
    broken="This photo could not be processed because of an internal error.",
    finished_field="encoded_at",
)
CAPTURE = Job(
    Capture,
    Capture.Status.QUEUED,
    Capture.Status.PROCESSING,
    Capture.Status.FAILED,
    "error",
    task="recognition.tasks.process_capture",
    hard_limit=HARD_LIMIT,
    too_long="Recognition took too long; try a smaller picture.",
    broken="This picture could not be processed because of an internal error.",
)


@shared_task(bind=True, **TASK_OPTIONS)
def encode_photo(self, photo_id):
    from recognition.processing import face_photo_encode

    run_claimed(self, PHOTO, photo_id, lambda photo: face_photo_encode(photo=photo))


@shared_task(bind=True, **TASK_OPTIONS)
def process_capture(self, capture_id):
    from recognition.processing import capture_process

    run_claimed(self, CAPTURE, capture_id, lambda capture: capture_process(capture=capture))
