"""The one router from a sighting to what it causes.

Recognition produces a `recognition.sightings.Sighting` and hands it here
(settings.SIGHTING_ROUTER). This is the only place that decides what follows
a decided face:

- at a kiosk or a camera attached to a door: the access decision (an
  AccessEvent, and the unlock command when granted), then attendance if the
  door is a time clock and the door opened;
- a camera for attendance: an attendance event for a recognized person, in
  the direction of the camera's purpose (check-in, check-out or automatic);
- anywhere else: an attendance event for a recognized person;
- and an unknown face that comes with its picture joins the review list
  (portal.review), unless the sighting was a test (an upload without
  "record attendance", a video): the same stranger seen again joins the same entry.

A new consumer is one more branch here, never an import on the recognition side.
"""

from typing import TYPE_CHECKING, cast

from portal.access.models import AccessEvent, Visitor
from portal.access.readers import SIDE_TO_DIRECTION
from portal.access.services import access_attempt_decide
from portal.attendance.services import Recorded, attendance_event_record
from portal.cameras.models import Camera
from portal.clockin.services import phone_position_take
from portal.kiosks.models import Kiosk
from portal.people.models import Person
from portal.review.services import unknown_face_record
from recognition.results import Outcome
from recognition.sightings import Sighting

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def sighting_route(sighting: Sighting) -> Outcome:
    """Act on one sighting; returns the facts to keep with the face's result."""
    outcome = _decide(sighting)
    if _for_review(sighting):
        outcome["review_id"] = unknown_face_record(sighting=sighting).pk
    return outcome


def _for_review(sighting: Sighting) -> bool:
    # a refused 1:1 claim or a still photo held up is not a stranger to enroll; a test keeps its faces
    return (
        sighting.person is None
        and sighting.unknown_face is not None
        and bool(sighting.face_picture)
        and sighting.record_attendance
        and not sighting.verify
        and sighting.live is not False
    )


def _decide(sighting: Sighting) -> Outcome:
    reader = _door_kiosk(sighting.kiosk_id) or _door_camera(sighting.camera_id)
    if reader is None:
        # visitors pass doors but keep no attendance, at a plain time clock neither
        if sighting.person is not None and sighting.record_attendance and not _is_visitor(sighting.person):
            return _attendance(sighting, sighting.direction)
        return Outcome()
    kiosk = reader if isinstance(reader, Kiosk) else None
    door = reader.door
    assert door is not None  # both queries ask for a reader at a door
    event = access_attempt_decide(
        door=door,
        side=reader.door_side,
        at=sighting.at,
        person=sighting.person,
        kiosk=kiosk,
        capture=sighting.capture,
        distance=sighting.distance,
        live=sighting.live,
        verify=sighting.verify,
        unknown_face=sighting.unknown_face,
    )
    outcome = Outcome(access_event_id=event.pk, access=event.result, access_reason=event.reason)
    # visitors pass doors but keep no attendance
    at_clock = door.time_clock and sighting.record_attendance and event.visitor_id is None
    if event.result == AccessEvent.Result.GRANTED and at_clock:
        outcome.update(_attendance(sighting, sighting.direction or SIDE_TO_DIRECTION[reader.door_side]))
    return outcome


def _is_visitor(person: Person) -> bool:
    return Visitor.objects.filter(person=person).exists()


def _door_kiosk(kiosk_id: int | None) -> Kiosk | None:
    if kiosk_id is None:
        return None
    return Kiosk.objects.select_related("door__zone").filter(pk=kiosk_id, door__isnull=False).first()


def _door_camera(camera_id: int | None) -> Camera | None:
    """A camera that reads for a door (its purpose says so and it has one); None otherwise."""
    if camera_id is None:
        return None
    return (
        Camera.objects.select_related("door__zone")
        .filter(pk=camera_id, purpose=Camera.Purpose.DOOR, door__isnull=False)
        .first()
    )


def _attendance(sighting: Sighting, direction: str) -> Outcome:
    # a phone's selfie: the location it was sent with goes on the event, and only there
    where = phone_position_take(capture=sighting.capture) if sighting.source == "phone" else {}
    assert sighting.person is not None  # both callers route only a recognized person's sighting here
    recorded = attendance_event_record(
        person=sighting.person,
        at=sighting.at,
        source=sighting.source,
        capture=sighting.capture,
        distance=sighting.distance,
        direction=direction or None,
        recorded_by=cast("User | None", sighting.recorded_by),  # an upload's user, kept untyped on the sighting
        photo_taken_at=sighting.photo_taken_at,
        **where,
    )
    return Outcome(event_id=recorded.event.pk, event=_event_outcome(recorded), direction=recorded.event.direction)


def _event_outcome(recorded: Recorded) -> str:
    if recorded.created:
        return "created"
    # a check-out sooner after the check-in than the schedule allows changes nothing
    return "too_soon" if recorded.too_soon else "cooldown"
