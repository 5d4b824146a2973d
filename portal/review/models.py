"""Unknown faces waiting for an admin: one entry per stranger, however often seen.

An entry groups the sightings of faces nobody enrolled matched whose
encodings are near each other (REVIEW_GROUP_DISTANCE from the entry's mean
encoding): the same stranger passing a camera five times is one entry with
five sightings. The entry keeps the best picture of the face and the mean
encoding; both are biometric data, erased with the entry (retention, or the
person it was assigned to being erased).
"""

import numpy as np
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.people.models import Person


class UnknownFace(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("to review")
        ASSIGNED = "assigned", _("assigned to a person")
        VISITOR = "visitor", _("marked as a visitor")
        DISMISSED = "dismissed", _("dismissed")

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    # the mean of the grouped sightings' encodings (float32), in encoding_version
    encoding = models.BinaryField(editable=False)
    encoding_version = models.CharField(max_length=100, blank=True)
    seen = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    # the best picture of the face so far (JPEG), served only through a role-checked view
    picture = models.BinaryField(editable=False)
    picture_quality = models.FloatField(null=True, blank=True)
    # assigned: the person the face was enrolled for; visitor: the visitor's gallery identity.
    # Erasing that person erases the entry with its picture and encoding.
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    photo = models.ForeignKey(
        "recognition.FacePhoto", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor = models.ForeignKey("access.Visitor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # on PostgreSQL, the id of the transaction that last wrote the row, set by a trigger on every
    # insert and update (whatever code writes it): a process holding the open entries reads only
    # the rows changed since its last read (portal.review.open_faces). 0 on SQLite.
    changed = models.BigIntegerField(default=0, db_index=True, editable=False)

    class Meta:
        ordering = ["-last_seen", "-id"]

    def __str__(self):
        return f"unknown face {self.pk} ({self.seen} sightings, {self.status})"

    @property
    def vector(self):
        return np.frombuffer(bytes(self.encoding), dtype=np.float32)


# what the sources are called on the pages (the stored value stays the code)
SOURCE_LABELS = {
    "kiosk": _("kiosk"),
    "upload": _("uploaded picture"),
    "api": _("picture sent by the API"),
    "camera": _("camera"),
}


class UnknownSighting(models.Model):
    """One time an entry's face was seen, and where."""

    face = models.ForeignKey(UnknownFace, on_delete=models.CASCADE, related_name="sightings")
    at = models.DateTimeField()
    source = models.CharField(max_length=16)  # kiosk, upload, api, camera
    # the camera's id when a camera saw it (cameras live in their own app: no foreign key here)
    camera_id = models.PositiveIntegerField(null=True, blank=True)
    kiosk = models.ForeignKey("kiosks.Kiosk", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    capture = models.ForeignKey(
        "recognition.Capture", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # distance to the nearest enrolled person (how far from being recognized), and to the entry's face
    distance = models.FloatField(null=True, blank=True)
    group_distance = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"sighting of unknown face {self.face_id} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def source_label(self):
        return SOURCE_LABELS.get(self.source, self.source)
