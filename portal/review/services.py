"""Writing the review list of unknown faces: record a sighting, assign, mark as a visitor, dismiss, expire.

The router (portal/routing.py) calls unknown_face_record for an unknown-face
sighting that carries a face picture; the pages and the API call the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.people.models import Department, Person
from portal.people.services import person_create
from portal.review import open_faces
from portal.review.models import UnknownFace, UnknownSighting
from recognition import versions
from recognition.models import FacePhoto, GalleryVersion
from recognition.services import person_photo_add

if TYPE_CHECKING:  # the annotations only: the router hands sightings here, visitors are access's
    from portal.access.models import Door, Visitor
    from recognition.sightings import Sighting

# An entry's mean encoding is the running mean of at most this many sightings:
# later ones still move it, so a face that slowly changes (light, season) stays grouped.
MEAN_WEIGHT_MAX = 20


class ReviewRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def unknown_face_record(*, sighting: Sighting) -> UnknownFace:
    """Add an unknown-face sighting to the open entry of the same face, or open a new entry.

    The same face: the open entry (in the same encoding version) whose mean
    encoding is nearest, if within the version's grouping distance. Returns the entry.

    No lock over the list: the nearest open entry is found in this process's
    copy of the open entries, brought up to date by reading only the rows
    changed since (portal.review.open_faces), and only the entry joined is
    locked (its row). Opening a new entry is the one step two workers seeing
    the same stranger at once must not both do: on PostgreSQL it waits for a
    lock of its own (held until commit), then looks again at what changed meanwhile.
    """
    # the router sends only a sighting that carries an unknown face's encoding (routing._for_review)
    encoding = np.frombuffer(bytes(cast(bytes, sighting.unknown_face)), dtype=np.float32)
    version = GalleryVersion.encoding_version_now() or settings.FACE_ENCODING_VERSION
    reach = versions.review_group_distance(version)
    opening_locked = connection.vendor != "postgresql"  # SQLite: one writer at a time already
    with transaction.atomic():
        # an entry proposed but decided or gone by its lock is forgotten and the next nearest tried:
        # each turn forgets one, so this ends; the bound is against a bug, not an expected case
        for _attempt in range(50):
            nearest = open_faces.nearest(version=version, encoding=encoding)
            if nearest is not None and nearest.distance <= reach:
                entry = _joined(nearest.pk, sighting, encoding)
                if entry is not None:
                    return entry
                open_faces.forget(version=version, pk=nearest.pk)
                continue
            if not opening_locked:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [OPENING_LOCK])
                opening_locked = True
                continue  # look again: another worker may have opened this face's entry meanwhile
            entry = UnknownFace.objects.create(
                encoding=encoding.tobytes(),
                encoding_version=version,
                seen=1,
                first_seen=sighting.at,
                last_seen=sighting.at,
                picture=sighting.face_picture,
                picture_quality=sighting.face_quality,
            )
            _sighting_add(entry, sighting, 0.0)
            return entry
        raise RuntimeError("the open review entries kept changing under this sighting")


# the key of PostgreSQL's advisory lock taken to open an entry (any number no other code uses)
OPENING_LOCK = 0x52455649  # "REVI"


def _joined(pk: int, sighting: Sighting, encoding: np.ndarray) -> UnknownFace | None:
    """The sighting added to this entry (locked, still open); None if it was decided or erased meanwhile."""
    entry = (
        UnknownFace.objects.select_for_update()
        .filter(pk=pk, status=UnknownFace.Status.OPEN)
        .only("id", "encoding", "seen", "first_seen", "last_seen", "picture_quality")
        .first()
    )
    if entry is None:
        return None
    distance = float(np.linalg.norm(entry.vector - encoding))
    weight = min(entry.seen, MEAN_WEIGHT_MAX)
    mean = (entry.vector * weight + encoding) / (weight + 1)
    changes = {
        "encoding": mean.astype(np.float32).tobytes(),
        "seen": entry.seen + 1,
        "first_seen": min(entry.first_seen, sighting.at),
        "last_seen": max(entry.last_seen, sighting.at),
    }
    quality = sighting.face_quality
    # a measured better picture replaces the one kept; an unmeasured one never does
    if quality is not None and (entry.picture_quality is None or quality > entry.picture_quality):
        changes.update(picture=sighting.face_picture, picture_quality=quality)
    UnknownFace.objects.filter(pk=entry.pk).update(**changes)
    _sighting_add(entry, sighting, distance)
    return entry


def _sighting_add(entry: UnknownFace, sighting: Sighting, distance: float) -> None:
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


def _open(entry: UnknownFace) -> None:
    if entry.status != UnknownFace.Status.OPEN:
        raise ReviewRefused(_("This face has already been reviewed."))


def review_assign(*, entry: UnknownFace, person: Person, user: User | None = None) -> FacePhoto:
    """The face is this person's: its picture becomes an enrollment photo, checked like any other.

    Returns the FacePhoto (queued for encoding; the usual checks may still reject it).
    """
    _open(entry)
    with transaction.atomic():
        photo, _created = person_photo_add(person=person, data=bytes(entry.picture), filename="review.jpg")
        _decide(entry, UnknownFace.Status.ASSIGNED, user, person=person, photo=photo)
    return photo


def review_new_person(
    *, entry: UnknownFace, name: str, employee_id: str, department: Department | None = None, user: User | None = None
) -> Person:
    """The face is someone not in the directory yet: a new person with this face as their first photo.

    Returns the person; the photo is checked by a worker like any enrollment photo.
    """
    _open(entry)
    with transaction.atomic():
        person = person_create(name=name, employee_id=employee_id, department=department)
        review_assign(entry=entry, person=person, user=user)
    return person


def review_visitor(
    *,
    entry: UnknownFace,
    name: str,
    host: Person | None,
    doors: Iterable[Door],
    valid_from: datetime,
    valid_until: datetime,
    company: str = "",
    user: User | None = None,
    any_door: bool = False,
) -> Visitor:
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
            any_door=any_door,
        )
        _decide(entry, UnknownFace.Status.VISITOR, user, person=visitor.person, visitor=visitor)
    return visitor


def review_dismiss(*, entry: UnknownFace, user: User | None = None) -> UnknownFace:
    """Nobody to act on: the entry leaves the list and goes with retention."""
    _open(entry)
    _decide(entry, UnknownFace.Status.DISMISSED, user)
    return entry


def _decide(entry: UnknownFace, status: str, user: User | None, **fields: Any) -> None:
    for key, value in {"status": status, "decided_by": user, "decided_at": timezone.now(), **fields}.items():
        setattr(entry, key, value)
    entry.save(update_fields=["status", "decided_by", "decided_at", *fields])


def review_expire(*, now: datetime | None = None, days: int | None = None) -> int:
    """Erase entries (picture, encoding and sightings) last seen more than REVIEW_RETENTION_DAYS ago.

    Every status: an assigned face lives on as the person's enrollment photo,
    a visitor's with the pass. Returns how many were erased.
    """
    days = settings.REVIEW_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, per_model = UnknownFace.objects.filter(last_seen__lt=cutoff).delete()
    return per_model.get(UnknownFace._meta.label, 0)
