import uuid

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import F

from portal.people.models import Person


class GalleryVersion(models.Model):
    """One row whose number changes whenever the set of templates changes."""

    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"gallery version {self.version}"

    @classmethod
    def current(cls):
        row = cls.objects.filter(pk=1).values_list("version", flat=True).first()
        return row or 0

    @classmethod
    def bump(cls):
        if not cls.objects.filter(pk=1).update(version=F("version") + 1):
            cls.objects.get_or_create(pk=1, defaults={"version": 1})


def photo_path(instance, filename):
    return f"enrollment/{instance.person_id}/{uuid.uuid4().hex}{_suffix(filename)}"


def capture_path(instance, filename):
    return f"captures/{instance.created_at:%Y/%m/%d}/{uuid.uuid4().hex}{_suffix(filename)}"


def _suffix(filename):
    dot = filename.rfind(".")
    suffix = filename[dot:].lower() if dot >= 0 else ""
    return suffix if suffix.isascii() and len(suffix) <= 6 else ""


class FacePhoto(models.Model):
    """An enrollment photo and, once accepted, the template made from it."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        ENCODING = "encoding"
        ACCEPTED = "accepted"
        REJECTED = "rejected"
        # encoded, but the face looks like another enrolled person: not in the
        # gallery until an admin decides
        REVIEW = "review", "needs review"

    class Decision(models.TextChoices):
        KEPT = "kept", "a different person: kept"
        MERGED = "merged", "the same person: merged"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path, max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    # stable name of the reason, for grouping: no_face, several_faces, too_small, cut_off,
    # too_dark, washed_out, blurry, near_duplicate, unreadable, lookalike
    reason_code = models.CharField(max_length=32, blank=True)
    # (top, right, bottom, left) of the face in the upright image of this size
    box = models.JSONField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # REVIEW: the enrolled person this face matched, and what the admin decided
    lookalike = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lookalike_distance = models.FloatField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # 128 float32 values; read with .vector
    encoding = models.BinaryField(null=True, blank=True, editable=False)
    model_name = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # who holds the claim: "<task id> <worker>:<pid>" (portal.recovery.jobs.claim_token)
    claimed_by = models.CharField(max_length=200, blank=True, editable=False)
    # when the row was last handed to the broker; null: when it was created
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    encoded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "sha256"], name="one_copy_of_a_photo_per_person"),
        ]

    def __str__(self):
        return f"photo {self.pk} of {self.person.name} ({self.status})"

    @property
    def vector(self):
        return None if self.encoding is None else np.frombuffer(bytes(self.encoding), dtype=np.float32)


class Capture(models.Model):
    """A picture submitted for recognition and, when done, what was found."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        DONE = "done"
        FAILED = "failed"

    class Source(models.TextChoices):
        UPLOAD = "upload"
        KIOSK = "kiosk"
        API = "api"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    image = models.ImageField(upload_to=capture_path, max_length=255)
    annotated = models.ImageField(upload_to=capture_path, max_length=255, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UPLOAD)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="captures"
    )
    record_attendance = models.BooleanField(default=True)
    # 1:1 verification: the person the face must be; null for 1:N identification
    claimed_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="verifications"
    )
    # set by the client per attempt, so that a resubmission is not counted twice
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # kiosk attempts: the device, the direction it asked for (empty: automatic)
    # and whether the burst of frames must show a live face
    kiosk = models.ForeignKey(
        "kiosks.Kiosk", null=True, blank=True, on_delete=models.SET_NULL, related_name="captures"
    )
    direction = models.CharField(max_length=3, blank=True)
    require_liveness = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.CharField(max_length=300, blank=True)
    # {"faces": [{"box": [t, r, b, l], "person_id", "name", "employee_id",
    #   "distance", "decision", "event_id", "event": "created"|"cooldown"}],
    #  "verified": true|false (1:1 only)}
    result = models.JSONField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # who holds the claim: "<task id> <worker>:<pid>" (portal.recovery.jobs.claim_token)
    claimed_by = models.CharField(max_length=200, blank=True, editable=False)
    # when the row was last handed to the broker; null: when it was created
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"capture {self.pk} ({self.status})"

    @property
    def faces(self):
        return (self.result or {}).get("faces", [])


def frame_path(instance, filename):
    return f"captures/{instance.capture.created_at:%Y/%m/%d}/{uuid.uuid4().hex}{_suffix(filename)}"


class CaptureFrame(models.Model):
    """A further frame of a kiosk attempt; Capture.image holds the first.

    The frames of one attempt are combined for the decision and looked at
    together for liveness.
    """

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="frames")
    index = models.PositiveSmallIntegerField()
    image = models.ImageField(upload_to=frame_path, max_length=255)

    class Meta:
        ordering = ["capture", "index"]
        constraints = [models.UniqueConstraint(fields=["capture", "index"], name="one_frame_per_index")]

    def __str__(self):
        return f"frame {self.index} of capture {self.capture_id}"
