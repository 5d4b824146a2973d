"""Clocking in from a phone: check the place, then the face (1:1, against the
person's own enrolled face, with liveness as at kiosks), then record.

The place is checked in the web request, before anything is stored: a
refusal there keeps nothing. A selfie goes the kiosks' way (a Capture with
its frames, a worker's verify path, the router); the location waits on the
PhoneClockIn row until the face is decided, then lives only on the
attendance event (portal.routing takes it) or is dropped.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.attendance.models import AttendanceEvent
from portal.attendance.services import attendance_event_record
from portal.clockin import rules
from portal.clockin.models import AllowedNetwork, PhoneClockIn, PhonePolicy, Place, Site
from portal.kiosks.services import CLIENT_ID, KioskError, frames_check
from portal.people.models import Person
from recognition.models import Capture, FacePhoto
from recognition.results import CaptureResult
from recognition.services import capture_submit


class ClockInRefused(Exception):
    """A refused clock-in: `code` for programs, `message` for people, `status` for HTTP."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def policy_for(person: Person) -> PhonePolicy:
    """The person's department's policy, else everyone else's, else off (not saved)."""
    policies = PhonePolicy.objects.filter(department__isnull=True)
    if person.department_id:
        own = PhonePolicy.objects.filter(department_id=person.department_id).first()
        if own is not None:
            return own
    return policies.first() or PhonePolicy(place=Place.OFF)


def place_verdict(
    *, person: Person, position: rules.Position | None, address: str
) -> tuple[PhonePolicy, rules.Verdict]:
    policy = policy_for(person)
    areas = [rules.Area(s.name, s.latitude, s.longitude, s.radius_m) for s in Site.objects.all()]
    ranges = [rules.Range(n.name, n.network) for n in AllowedNetwork.objects.all()]
    verdict = rules.place_check(
        policy.place,
        position=position,
        address=address,
        areas=areas,
        ranges=ranges,
        max_accuracy_m=settings.PHONE_CLOCKIN_MAX_ACCURACY_M,
    )
    return policy, verdict


def _scoped(person: Person, client_id: str) -> str:
    # the capture's client ids are one namespace with the kiosks' (k<id>:...)
    return f"p{person.pk}:{client_id}"


def phone_clock_in_find(*, person: Person, client_id: str) -> PhoneClockIn | None:
    return PhoneClockIn.objects.select_related("capture", "event").filter(person=person, client_id=client_id).first()


def phone_clock_in_submit(
    *, person: Person, client_id: str, frames: list[bytes], position: rules.Position | None, address: str
) -> tuple[PhoneClockIn | None, bool]:
    """One clock-in from the person's phone. Returns (attempt, created).

    Raises ClockInRefused with the reason in words when the place is not
    allowed (nothing is stored then). The same client_id sent again returns
    the attempt already taken.
    """
    if not CLIENT_ID.match(client_id or ""):
        raise ClockInRefused("bad_client_id", _("Each attempt needs an id of 8 to 48 letters, digits, - or _."))
    existing = phone_clock_in_find(person=person, client_id=client_id)
    if existing is not None:
        return existing, False
    policy, verdict = place_verdict(person=person, position=position, address=address)
    if not verdict.allowed:
        raise ClockInRefused(verdict.code, rules.verdict_text(verdict), 403)
    place = {"site": verdict.site, "network": verdict.network}
    # the location is kept with the event only when it is what allowed the clock-in
    where = position if verdict.site else None
    located: dict[str, Any] = {  # latitude, longitude, accuracy_m: keywords of both the event and the attempt
        "latitude": where.latitude if where else None,
        "longitude": where.longitude if where else None,
        "accuracy_m": where.accuracy_m if where else None,
    }
    if not policy.face_required:
        recorded = attendance_event_record(
            person=person, at=timezone.now(), source=AttendanceEvent.Source.PHONE, **located
        )
        try:
            attempt = PhoneClockIn.objects.create(
                person=person,
                client_id=client_id,
                status=PhoneClockIn.Status.ACCEPTED,
                event=recorded.event,
                event_created=recorded.created,
                **place,
            )
        except IntegrityError:
            return phone_clock_in_find(person=person, client_id=client_id), False
        return attempt, True
    try:
        frames_check(frames)
    except KioskError as exc:
        raise ClockInRefused(exc.code, exc.message, exc.status) from None
    if not FacePhoto.objects.filter(person=person, status=FacePhoto.Status.ACCEPTED).exists():
        raise ClockInRefused("not_enrolled", _("You have no enrolled face yet: ask HR to add a photo of you."), 409)
    try:
        with transaction.atomic():
            attempt = PhoneClockIn.objects.create(person=person, client_id=client_id, **place, **located)
            # 1:1 against the person's own face, never a search of everyone
            attempt.capture = capture_submit(
                data=frames[0],
                filename="frame-0.jpg",
                source=Capture.Source.PHONE,
                claimed_person=person,
                client_id=_scoped(person, client_id),
                require_liveness=policy.liveness,
                frames=frames[1:],
            )
            attempt.save(update_fields=["capture"])
    except IntegrityError:
        return phone_clock_in_find(person=person, client_id=client_id), False
    return phone_clock_in_settle(attempt=attempt), True


def phone_position_take(*, capture: Capture | None) -> dict[str, float | None]:
    """The location waiting for this selfie, cleared from the attempt: the router puts it on the event."""
    row = PhoneClockIn.objects.filter(capture=capture).values("pk", "latitude", "longitude", "accuracy_m").first()
    if row is None:
        return {}
    PhoneClockIn.objects.filter(pk=row["pk"]).update(latitude=None, longitude=None, accuracy_m=None)
    return {"latitude": row["latitude"], "longitude": row["longitude"], "accuracy_m": row["accuracy_m"]}


DECIDED = (Capture.Status.DONE, Capture.Status.FAILED)


def phone_clock_in_settle(*, attempt: PhoneClockIn) -> PhoneClockIn:
    """Once the selfie is decided: accepted or refused, and the location gone from the attempt."""
    capture = attempt.capture
    if attempt.status != PhoneClockIn.Status.PENDING or capture is None:
        return attempt
    capture.refresh_from_db(fields=["status", "result"])
    if capture.status not in DECIDED:
        return attempt
    result = capture.face_result or CaptureResult()
    face = result.first
    event_id = face.event_id if result.verified else None
    if event_id:
        status, reason = PhoneClockIn.Status.ACCEPTED, ""
    else:
        status = PhoneClockIn.Status.REFUSED
        reason = "failed" if capture.status == Capture.Status.FAILED else result.reason or "no_match"
    PhoneClockIn.objects.filter(pk=attempt.pk, status=PhoneClockIn.Status.PENDING).update(
        status=status,
        reason=reason,
        event_id=event_id,
        event_created=face.event == "created",
        latitude=None,
        longitude=None,
        accuracy_m=None,
    )
    attempt.refresh_from_db()
    return attempt


# a selfie is decided in seconds; one still pending after this long (its worker lost, nobody asking
# again) gives its location up: the event, when it comes, is recorded without it
PLACE_KEPT_MINUTES = 60


def phone_places_forget(*, now: datetime | None = None) -> int:
    """Hourly: no attempt keeps a location once it is decided, or past PLACE_KEPT_MINUTES.
    Returns how many locations were dropped."""
    cutoff = (now or timezone.now()) - timedelta(minutes=PLACE_KEPT_MINUTES)
    waiting = PhoneClockIn.objects.filter(created_at__lt=cutoff).exclude(latitude=None)
    dropped = 0
    for attempt in waiting.select_related("capture"):
        phone_clock_in_settle(attempt=attempt)
        dropped += 1
    waiting.update(latitude=None, longitude=None, accuracy_m=None)
    return dropped
