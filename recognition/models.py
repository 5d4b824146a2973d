import uuid
from typing import Any

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.fields import MessageField
from portal.people.models import Person
from recognition.results import CaptureResult


class GalleryVersion(models.Model):
    """One row whose number moves with every change to who is recognizable (recognition/gallery.py)."""

    version = models.BigIntegerField(default=0, verbose_name=_("version"))
    # the encoding version every search uses (recognition/versions.py); empty
    # until the first photo is accepted, then the version it was encoded in
    encoding_version = models.CharField(max_length=100, blank=True, verbose_name=_("encoding version"))
    # the id of the last GalleryChange written: ids are never reused, version numbers
    # are (a rolled-back change gives its number back), so a process compares both
    change_id = models.BigIntegerField(default=0, verbose_name=_("change ID"))

    class Meta:
        verbose_name = _("gallery version")
        verbose_name_plural = _("gallery versions")

    def __str__(self):
        return f"gallery version {self.version} ({self.encoding_version or 'no encodings yet'})"

    @classmethod
    def current(cls):
        row = cls.objects.filter(pk=1).values_list("version", flat=True).first()
        return row or 0

    @classmethod
    def position(cls):
        """(version, change id, encoding version): where the log stands, in one indexed read."""
        return cls.objects.filter(pk=1).values_list("version", "change_id", "encoding_version").first() or (0, 0, "")

    @classmethod
    def encoding_version_now(cls):
        return cls.objects.filter(pk=1).values_list("encoding_version", flat=True).first() or ""

    @classmethod
    def bump(cls, encoding_version=None, people=None):
        """Log a change to who is recognizable, in the caller's transaction.

        people: the ids of the people whose templates or state changed (each
        process re-reads only theirs); None: everyone (every process reloads).
        encoding_version, when given, becomes the active version (and everyone changes).
        The row's update holds its lock until the caller commits, so changes
        commit in the order of their numbers: a process reading the log never
        skips one that commits late.
        """
        if people is not None:
            people = sorted({int(pk) for pk in people})
            if not people:
                return
            if len(people) > PEOPLE_PER_CHANGE_MAX or encoding_version:
                people = None
        changes = {"version": F("version") + 1}
        if encoding_version:
            changes["encoding_version"] = encoding_version
        if not cls.objects.filter(pk=1).update(**changes):
            from recognition import versions

            cls.objects.get_or_create(
                pk=1, defaults={"version": 1, "encoding_version": encoding_version or versions.wanted()}
            )
        version = cls.objects.filter(pk=1).values_list("version", flat=True).get()
        rows = GalleryChange.objects.bulk_create(
            [GalleryChange(seq=version, person_id=pk) for pk in (people or [None])], batch_size=5000
        )
        last = max((row.pk for row in rows if row.pk), default=None)
        if last is None:
            last = GalleryChange.objects.filter(seq=version).aggregate(last=models.Max("id"))["last"]
        cls.objects.filter(pk=1).update(change_id=last)


# a change naming more people than this is logged as "everyone": each process reloads once
PEOPLE_PER_CHANGE_MAX = 10_000


class GalleryChange(models.Model):
    """One entry of the gallery's change log: this person's templates or state changed at `seq`.

    Written in the transaction of the change (GalleryVersion.bump); a
    process applies the entries after the position it holds. person_id is a
    plain number, not a foreign key: an erased person's entry outlives them.
    Null: everyone (the encoding version switched).
    """

    seq = models.BigIntegerField(db_index=True, verbose_name=_("sequence"))
    person_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("person ID"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("gallery change")
        verbose_name_plural = _("gallery changes")

    def __str__(self):
        return f"gallery change {self.seq}: {self.person_id or 'everyone'}"


def photo_path(instance, filename):
    return f"enrollment/{instance.person_id}/{uuid.uuid4().hex}{_suffix(filename)}"


def capture_path(instance, filename):
    return _sharded(f"captures/{instance.created_at:%Y/%m/%d}", filename)


def _sharded(day, filename):
    # 256 folders below the day's: 500 kiosks write about 1.8 million files a day
    name = uuid.uuid4().hex
    return f"{day}/{name[:2]}/{name}{_suffix(filename)}"


# Suffixes a stored picture may have; the services name files after the decoded
# image type (imaging.stored_name), and this list is the last word: a client's
# "x.html" can never come back from storage as a page.
SAFE_SUFFIXES = {".jpg", ".png", ".webp", ".gif", ".bmp", ".tif"}


def _suffix(filename, allowed=SAFE_SUFFIXES):
    """The file's suffix, lower-case, if `allowed` lists it; ".bin" otherwise (pictures and videos alike)."""
    dot = filename.rfind(".")
    suffix = filename[dot:].lower() if dot >= 0 else ""
    return suffix if suffix in allowed else ".bin"


class FacePhoto(models.Model):
    """An enrollment photo and, once accepted, the template made from it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        ENCODING = "encoding", _("Encoding")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        # encoded, but the face looks like another enrolled person: not in the
        # gallery until an admin decides
        REVIEW = "review", _("needs review")

    class Decision(models.TextChoices):
        KEPT = "kept", _("a different person: kept")
        MERGED = "merged", _("the same person: merged")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="photos", verbose_name=_("person"))
    image = models.ImageField(upload_to=photo_path, max_length=255, verbose_name=_("image"))
    # made at upload (the face once it is found): lists and the kiosk never decode the full photo
    thumb_small = models.ImageField(upload_to=photo_path, max_length=255, blank=True, verbose_name=_("thumb small"))
    thumb_medium = models.ImageField(upload_to=photo_path, max_length=255, blank=True, verbose_name=_("thumb medium"))
    sha256 = models.CharField(max_length=64, db_index=True, verbose_name=_("sha256"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    reason = MessageField(max_length=300, blank=True, verbose_name=_("reason"))
    # stable name of the reason, for grouping: no_face, several_faces, too_small, cut_off,
    # too_dark, washed_out, blurry, near_duplicate, unreadable, lookalike
    reason_code = models.CharField(max_length=32, blank=True, verbose_name=_("reason code"))
    # (top, right, bottom, left) of the face in the upright image of this size
    box = models.JSONField(null=True, blank=True, verbose_name=_("box"))
    width = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("width"))
    height = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("height"))
    # REVIEW: the enrolled person this face matched, and what the admin decided
    lookalike = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("lookalike")
    )
    lookalike_distance = models.FloatField(null=True, blank=True, verbose_name=_("lookalike distance"))
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True, verbose_name=_("decision"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    # float32 values (as many as the encoding version gives); read with .vector
    encoding = models.BinaryField(null=True, blank=True, editable=False)
    # the encoding version of `encoding` (recognition/encoders.py VERSIONS)
    model_name = models.CharField(max_length=100, blank=True, verbose_name=_("model name"))
    # while the portal moves to another encoding version: this photo's encoding in it
    # ("unreadable:VERSION" when its file is gone and it cannot have one)
    next_encoding = models.BinaryField(null=True, blank=True, editable=False)
    next_model_name = models.CharField(max_length=100, blank=True, verbose_name=_("next model name"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    # who holds the claim: "<task id> <worker>:<pid>" (portal.core.jobs.claim_token)
    claimed_by = models.CharField(max_length=200, blank=True, editable=False, verbose_name=_("claimed by"))
    # when the row was last handed to the broker; null: when it was created
    sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sent at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    encoded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("encoded at"))

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "sha256"], name="one_copy_of_a_photo_per_person"),
        ]
        verbose_name = _("face photo")
        verbose_name_plural = _("face photos")

    def __str__(self):
        return f"photo {self.pk} of {self.person.name} ({self.status})"

    @property
    def vector(self):
        return None if self.encoding is None else np.frombuffer(bytes(self.encoding), dtype=np.float32)


class Capture(models.Model):
    """A picture submitted for recognition and, when done, what was found."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        KIOSK = "kiosk", _("Kiosk")
        API = "api", _("Api")
        CAMERA = "camera", _("Camera")
        PHONE = "phone", _("Phone")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    image = models.ImageField(upload_to=capture_path, max_length=255, verbose_name=_("image"))
    annotated = models.ImageField(upload_to=capture_path, max_length=255, blank=True, verbose_name=_("annotated"))
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UPLOAD, verbose_name=_("source"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="captures",
        verbose_name=_("submitted by"),
    )
    record_attendance = models.BooleanField(default=True, verbose_name=_("record attendance"))
    # when the picture says it was taken (EXIF), next to created_at (when it was uploaded)
    taken_at = models.DateTimeField(null=True, blank=True, verbose_name=_("taken at"))
    # 1:1 verification: the person the face must be; null for 1:N identification
    claimed_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="verifications",
        verbose_name=_("claimed person"),
    )
    # a verify kiosk: the employee ID as typed, whether or not anyone has it
    # (an unknown ID is processed like a known one, see kiosks.services)
    claimed_employee_id = models.CharField(max_length=64, blank=True, verbose_name=_("claimed employee ID"))
    # set by the client per attempt, so that a resubmission is not counted twice
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True, verbose_name=_("client ID"))
    # kiosk attempts: the device, the direction it asked for (empty: automatic)
    # and whether the burst of frames must show a live face
    kiosk = models.ForeignKey(
        "kiosks.Kiosk",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="captures",
        verbose_name=_("kiosk"),
    )
    # a camera track's best frame (portal.cameras): kept, and expired, like a kiosk attempt's picture
    camera = models.ForeignKey(
        "cameras.Camera",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="captures",
        verbose_name=_("camera"),
    )
    direction = models.CharField(max_length=3, blank=True, verbose_name=_("direction"))
    require_liveness = models.BooleanField(default=False, verbose_name=_("require liveness"))
    # the movement the kiosk asked for (a door set to high liveness): "turn_left", "turn_right",
    # "blink"; empty: none asked, the passive test alone (recognition.liveness)
    liveness_challenge = models.CharField(max_length=10, blank=True, verbose_name=_("liveness challenge"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    error = MessageField(max_length=300, blank=True, verbose_name=_("error"))
    # a recognition.results.CaptureResult as JSON: {"faces": [{"box", "person_id", "name",
    # "employee_id", "distance", "decision", "event_id", "event", ...}], "verified" (1:1 only), ...};
    # read it typed with face_result
    result = models.JSONField(null=True, blank=True, verbose_name=_("result"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    # who holds the claim: "<task id> <worker>:<pid>" (portal.core.jobs.claim_token)
    claimed_by = models.CharField(max_length=200, blank=True, editable=False, verbose_name=_("claimed by"))
    # when the row was last handed to the broker; null: when it was created
    sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sent at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("capture")
        verbose_name_plural = _("captures")

    def __str__(self):
        return f"capture {self.pk} ({self.status})"

    @property
    def face_result(self) -> CaptureResult | None:
        """The result, typed; None until the capture is decided (and for a failed one)."""
        return None if self.result is None else CaptureResult.from_json(self.result)

    @property
    def faces(self) -> list[dict[str, Any]]:
        """The faces as stored (JSON): what the capture's status answer and its page show."""
        return (self.result or {}).get("faces", [])


def frame_path(instance, filename):
    return _sharded(f"captures/{instance.capture.created_at:%Y/%m/%d}", filename)


class CaptureFrame(models.Model):
    """A further frame of a kiosk attempt; Capture.image holds the first.

    The frames of one attempt are combined for the decision and looked at
    together for liveness.
    """

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="frames", verbose_name=_("capture"))
    index = models.PositiveSmallIntegerField(verbose_name=_("index"))
    image = models.ImageField(upload_to=frame_path, max_length=255, verbose_name=_("image"))

    class Meta:
        ordering = ["capture", "index"]
        constraints = [models.UniqueConstraint(fields=["capture", "index"], name="one_frame_per_index")]
        verbose_name = _("capture frame")
        verbose_name_plural = _("capture frames")

    def __str__(self):
        return f"frame {self.index} of capture {self.capture_id}"


class ReencodeJob(models.Model):
    """Re-encoding every stored photo into another encoding version, in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    target = models.CharField(max_length=100, verbose_name=_("target"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    total = models.PositiveIntegerField(default=0, verbose_name=_("total"))
    done = models.PositiveIntegerField(default=0, verbose_name=_("done"))
    # photos whose file is gone: they cannot be re-encoded and leave the gallery at the switch
    missing = models.PositiveIntegerField(default=0, verbose_name=_("missing"))
    error = MessageField(max_length=300, blank=True, verbose_name=_("error"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # the recovery rules (portal.recovery): who holds the claim, when it was last sent
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    claimed_by = models.CharField(max_length=200, blank=True, editable=False, verbose_name=_("claimed by"))
    sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sent at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reencode job")
        verbose_name_plural = _("reencode jobs")

    def __str__(self):
        return f"re-encoding into {self.target} ({self.status}, {self.done}/{self.total})"

    @property
    def percent(self):
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


def video_path(instance, filename):
    return f"videos/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}{_suffix(filename, VIDEO_SUFFIXES)}"


# the containers a stored video may be named as (recognition.video.probe chooses from the bytes)
VIDEO_SUFFIXES = {".mp4", ".mkv", ".webm", ".avi", ".mov", ".mpg"}


class VideoJob(models.Model):
    """A video submitted for recognition: every person (and stranger) in it, with when they were seen.

    A worker tracks the faces through the video (recognition.tracking) and
    decides each track once; the video file is deleted afterwards unless
    `keep` was ticked. A video records no attendance.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    video = models.FileField(upload_to=video_path, max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    keep = models.BooleanField(default=False)
    duration = models.FloatField(default=0)  # seconds, from the container
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, default="upload")  # upload or api
    status = models.CharField(max_length=16, default=Status.QUEUED, choices=Status.choices, db_index=True)
    total = models.PositiveIntegerField(default=0)  # frames to analyse
    done = models.PositiveIntegerField(default=0)
    # {"frames": analysed, "tracks": n, "fps": analysed per second of video, "gallery_size": n}
    result = models.JSONField(null=True, blank=True)
    error = MessageField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # the recovery rules (portal.recovery): who holds the claim, when it was last sent
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"video {self.pk} ({self.status})"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return min(100, 100 * self.done // self.total) if self.total else 0


class VideoFace(models.Model):
    """A person (or a stranger) found in a video: when first and last seen, and their best picture."""

    job = models.ForeignKey(VideoJob, on_delete=models.CASCADE, related_name="faces")
    # null for a stranger; erasing the person erases what the video said about them
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    first_seen = models.FloatField()  # seconds into the video
    last_seen = models.FloatField()
    tracks = models.PositiveIntegerField(default=1)  # passes through the picture
    distance = models.FloatField(null=True, blank=True)  # to the person (best track) or the nearest person
    picture = models.BinaryField(editable=False)  # JPEG, served only through a role-checked view

    class Meta:
        ordering = ["first_seen", "id"]

    def __str__(self):
        return f"{'person ' + str(self.person_id) if self.person_id else 'stranger'} in video {self.job_id}"
