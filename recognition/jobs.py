"""The kinds of queued work on recognition's rows, with their states and limits.

Each `Job` names its task by dotted path, so this module imports no task (and
no engine): the web process reads it to queue work and the reconciler to resend it.
"""

from portal.core.jobs import Job
from recognition import texts
from recognition.models import Capture, FacePhoto, ReencodeJob, VideoJob

SOFT_LIMIT = 60
HARD_LIMIT = 90

PHOTO = Job(
    FacePhoto,
    FacePhoto.Status.QUEUED,
    FacePhoto.Status.ENCODING,
    FacePhoto.Status.REJECTED,
    "reason",
    task="recognition.tasks.encode_photo",
    hard_limit=HARD_LIMIT,
    too_long=texts.PHOTO_TOO_LONG,
    broken=texts.PHOTO_BROKEN,
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
    too_long=texts.CAPTURE_TOO_LONG,
    broken=texts.CAPTURE_BROKEN,
)
REENCODE = Job(
    ReencodeJob,
    ReencodeJob.Status.QUEUED,
    ReencodeJob.Status.RUNNING,
    ReencodeJob.Status.FAILED,
    "error",
    task="recognition.tasks.reencode_photos",
    hard_limit=HARD_LIMIT,
    too_long=texts.REENCODE_TOO_LONG,
    broken=texts.REENCODE_BROKEN,
)

# a video of VIDEO_MAX_SECONDS (600 by default) at 5 frames a second is 3,000 frames of 50-150 ms
VIDEO_SOFT_LIMIT = 3600
VIDEO_HARD_LIMIT = VIDEO_SOFT_LIMIT + 60
VIDEO = Job(
    VideoJob,
    VideoJob.Status.QUEUED,
    VideoJob.Status.RUNNING,
    VideoJob.Status.FAILED,
    "error",
    task="recognition.tasks.process_video",
    hard_limit=VIDEO_HARD_LIMIT,
    too_long=texts.VIDEO_TOO_LONG,
    broken=texts.VIDEO_BROKEN,
)
