"""What recognition hands over: a sighting, and the one place it goes.

A kiosk attempt, an uploaded picture and (later) a camera track all end the
same way: a face was seen, and it is someone or nobody known. Recognition
stops there. What follows (an attendance event, a door decision, an alert)
is the portal's business, decided by the one callable named in the
SIGHTING_ROUTER setting. Recognition imports none of the apps that act on a
sighting, so a new consumer is a new branch in the router, not a new import
here.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

from recognition.results import Outcome

if TYPE_CHECKING:  # for the annotations only: a sighting is plain data, this module loads no models
    from portal.people.models import Person
    from recognition.models import Capture


@dataclass(frozen=True)
class Sighting:
    """One face seen once. `person` is None for a face nobody enrolled matched."""

    at: datetime
    source: str  # where: "kiosk", "upload", "api", "video", "camera"
    person: "Person | None" = None
    distance: float | None = None  # how sure: lower is closer; None when there was no face to compare
    capture: "Capture | None" = None  # which picture
    kiosk_id: int | None = None  # the kiosk, and through it the door it reads for
    camera_id: int | None = None  # the camera whose track this is, and through it its door or purpose
    direction: str = ""  # asked for by the kiosk or the person: "in", "out" or "" (automatic)
    record_attendance: bool = True  # the submitter's wish (an upload may be a test)
    recorded_by: object | None = None  # who submitted the picture (an upload; nobody at a kiosk)
    photo_taken_at: datetime | None = None  # when the picture says it was taken (EXIF), if it says
    live: bool | None = None  # False: the liveness check failed; None: not checked
    verify: bool = False  # a 1:1 attempt (badge/employee ID and face)
    claimed_person: "Person | None" = None  # for a refused 1:1 attempt, who it claimed to be
    # an unrecognized face's encoding (float32 as bytes, the version's size): lets a door tell the same stranger
    # coming back from different ones; kept only for the alert's window
    unknown_face: bytes | None = None
    # a JPEG of an unrecognized face (recognition.tracking.face_picture): with unknown_face, what a
    # review entry of unknown faces shows and what an admin may enroll (portal.review)
    face_picture: bytes | None = None
    face_quality: float | None = None  # tracking.Face.quality of that picture, when measured


@cache
def _router(path):
    return import_string(path)


def sighting_hand_over(sighting: Sighting) -> Outcome:
    """Give a sighting to the router; returns what it did, to keep with the
    face's result (for example the attendance event's id).

    Without a router (SIGHTING_ROUTER empty) a sighting causes nothing.
    """
    path = getattr(settings, "SIGHTING_ROUTER", "")
    if not path:
        return Outcome()
    return _router(path)(sighting) or Outcome()
