"""Writing the review list of unknown faces: record a sighting, assign, mark as a visitor, dismiss, expire.

The router (portal/routing.py) calls unknown_face_record for an unknown-face
sighting that carries a face picture; the pages and the API call the rest.
"""

from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.review.models import UnknownFace, UnknownSighting
from recognition import versions
from recognition.models import GalleryVersion
from recognition.services import person_photo_add

# An entry's mean encoding is the running mean of at most this many sightings:
# later ones still move it, so a face that slowly changes (light, season) stays grouped.
MEAN_WEIGHT_MAX = 20


class ReviewRefused(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def unknown_face_record(*, sighting):
    """Add an unknown-face sighting to the open entry of the same face, or open a new entry.

    The same face: the open entry (in the same encoding version) whose mean
    encoding is nearest, if within the version's grouping distance. Returns the entry.
    """
    encoding = np.frombuffer(bytes(sighting.unknown_face), dtype=np.float32)
    version = GalleryVersion.encoding_version_now() or settings.FACE_ENCODING_VERSION
    quality = sighting.face_quality
    with transaction.atomic():
        # one writer at a time over the open entries: two workers seeing the same stranger at
        # once must not open two entries
        open_entries = list(
            UnknownFace.objects.select_for_update()
            .filter(status=UnknownFace.Status.OPEN, encoding_version=version)
            .only("id", "encoding", "seen", "first_seen", "last_seen", "picture_quality")
        )
        entry, distance = _nearest(open_entries, encoding)
        if entry is None or distance > versions.review_group_distance(version):
            entry = UnknownFace.objects.create(
                encoding=encoding.tobytes(),
                encoding_version=version,
                seen=1,
                first_seen=sighting.at,
                last_seen=sighting.at,
                picture=sighting.face_picture,
                picture_quality=quality,
            )
            distance = 0.0
        else:
            weight = min(entry.seen, MEAN_WEIGHT_MAX)
            mean = (entry.vector * weight + encoding) / (weight + 1)
            changes = {
                "encoding": mean.astype(np.float32).tobytes(),
                "seen": entry.seen + 1,
                "first_seen": min(entry.first_seen, sighting.at),
                "last_seen": max(entry.last_seen, sighting.at),
            }
            # a measured better picture replaces the one kept; an unmeasured one never does
            if quality is not None and (entry.picture_quality is None or quality > entry.picture_quality):
                changes.update(picture=sighting.face_picture, picture_quality=quality)
            UnknownFace.objects.filter(pk=entry.pk).update(**changes)
        UnknownSighting.objects.create(
            face=entry,
            at=sighting.at,
            source=sighting.source,
            camera_id=getattr(sighting, "camera_id", None),
            kiosk_id=sighting.kiosk_id,
            capture=sighting.capture,
            distance=sighting.distance,
            group_distance=round(distance, 4),
        )
    return entry


def _nearest(entries, encoding):
    if not entries:
        return None, None
    matrix = np.stack([entry.vector for entry in entries])
    distances = np.linalg.norm(matrix - encoding, axis=1)
    best = int(np.argmin(distances))
    return entries[best], float(distances[best])


def _open(entry):
    if entry.status != UnknownFace.Status.OPEN:
        raise ReviewRefused(_("This face has already been reviewed."))


def review_assign(*, entry, person, user=None):
    """The face is this person's: its picture becomes an enrollment photo, checked like any other.

    Returns the FacePhoto (queued for encoding; the usual checks may still reject it).
    """
    _open(entry)
    with transaction.atomic():
        photo, _created = person_photo_add(person=person, data=bytes(entry.picture), filename="review.jpg")
        _decide(entry, UnknownFace.Status.ASSIGNED, user, person=person, photo=photo)
    return photo


def review_visitor(*, entry, name, host, doors, valid_from, valid_until, company="", user=None):
    """The face was a visitor's: a visitor pass with this face (erased with the pass, VISITOR_RETENTION_DAYS)."""
    from portal.access.visitors import visitor_register

    _open(entry)
    with transaction.atomic():
        visitor = visitor_register(
            name=name,
            company=company,
            host=host,
            doors=doors,
            valid_from=valid_from,
            valid_until=valid_until,
            photo=bytes(entry.picture),
            user=user,
        )
        _decide(entry, UnknownFace.Status.VISITOR, user, person=visitor.person, visitor=visitor)
    return visitor


def review_dismiss(*, entry, user=None):
    """Nobody to act on: the entry leaves the list and goes with retention."""
    _open(entry)
    _decide(entry, UnknownFace.Status.DISMISSED, user)
    return entry


def _decide(entry, status, user, **fields):
    for key, value in {"status": status, "decided_by": user, "decided_at": timezone.now(), **fields}.items():
        setattr(entry, key, value)
    entry.save(update_fields=["status", "decided_by", "decided_at", *fields])


def review_expire(*, now=None, days=None):
    """Erase entries (picture, encoding and sightings) last seen more than REVIEW_RETENTION_DAYS ago.

    Every status: an assigned face lives on as the person's enrollment photo,
    a visitor's with the pass. Returns how many were erased.
    """
    days = settings.REVIEW_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, per_model = UnknownFace.objects.filter(last_seen__lt=cutoff).delete()
    return per_model.get(UnknownFace._meta.label, 0)
