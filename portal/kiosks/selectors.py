"""What a kiosk may read: the outcome of its own attempts, as words for the screen.

Nothing here names anyone but the person the kiosk recognized or verified;
a refused face is never told whom it resembled.
"""

import base64
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.access.models import AccessEvent
from portal.access.texts import reason_message
from portal.attendance.models import AttendanceEvent, PunchMode, Schedule
from portal.attendance.schedules import shift_for_person
from portal.core.messages import message_text
from portal.kiosks.models import Kiosk
from recognition.models import Capture, FacePhoto
from recognition.results import CaptureResult, FaceResult

NOT_RECOGNIZED = gettext_lazy("Not recognized, please try again or see reception")
NO_FACE = gettext_lazy("No face found. Please look at the camera")
NOT_LIVE = gettext_lazy("Please turn your head a little and try again")
# the prompts of a door's liveness challenge (kiosk_challenge_issue), in the person's own terms
CHALLENGE_PROMPTS = {
    "turn_left": gettext_lazy("Turn your head slowly to your left"),
    "turn_right": gettext_lazy("Turn your head slowly to your right"),
    "blink": gettext_lazy("Blink your eyes twice"),
}
ERROR = gettext_lazy("That did not work, please try again")
PENDING = gettext_lazy("One moment…")
NOT_SIGNALLED = gettext_lazy("Access granted, but the door is not opened: no door controller is set up.")


def kiosk_liveness_level(*, kiosk: Kiosk) -> str:
    """ "off", "standard" or "high": at a door, the door's level (or the kiosk's own check if the
    door's is off); elsewhere "standard" when the kiosk's liveness check is on."""
    own = "standard" if kiosk.liveness else "off"
    if kiosk.door is None:
        return own
    level = kiosk.door.liveness
    return own if level == "off" else level


def kiosk_config(*, kiosk: Kiosk) -> dict[str, Any]:
    level = kiosk_liveness_level(kiosk=kiosk)
    live = level != "off"
    # a liveness burst spans about a second, so that a person turns the head or blinks;
    # a challenge two, to hear the prompt and follow it
    frames = {"off": settings.KIOSK_FRAMES, "standard": max(settings.KIOSK_FRAMES, 5)}.get(level, 8)
    return {
        "name": kiosk.name,
        "location": kiosk.location,
        "mode": kiosk.mode,
        "direction": kiosk.direction,
        "liveness": live,
        # a door set to high liveness: ask api/challenge for a movement before each attempt
        "challenge": level == "high",
        # the screen's and the voice's language; empty: the browser's
        "language": kiosk.language,
        "frames": frames,
        "frame_interval_ms": 250 if level == "high" else (200 if live else 120),
        "frame_width": settings.KIOSK_FRAME_WIDTH,
        "reset_seconds": 5,
        **_punch_hint(),
        # no answer by then (server unreachable or still working): say so and start over
        "give_up_seconds": settings.KIOSK_GIVE_UP_SECONDS,
        # the door this kiosk reads for (its answers then say "Door open" or why not)
        "door": kiosk.door.name if kiosk.door else None,
        "door_side": kiosk.door_side if kiosk.door else None,
        # "face_or_pin": the kiosk also offers a badge (employee ID) and PIN
        "door_mode": kiosk.door.mode if kiosk.door else None,
        # a door that is not a time clock only opens: the kiosk does not offer to check in or out
        "door_time_clock": kiosk.door.time_clock if kiosk.door else None,
    }


def _punch_hint() -> dict[str, str | None]:
    """What the kiosk's button may promise: by time of day it knows the next
    event; alternating, it depends on the person, so it says both."""
    default = Schedule.objects.filter(is_default=True).first()
    if default is None or default.punch_mode != PunchMode.TIME_OF_DAY:
        return {"punch_mode": PunchMode.ALTERNATE, "cutoff": None}
    return {"punch_mode": PunchMode.TIME_OF_DAY, "cutoff": f"{default.punch_cutoff:%H:%M}"}


def greeting(local_time: datetime, direction: str) -> str:
    """What the kiosk says on a check-in or check-out, whole sentences (words order differently
    in other languages), to be filled with the name and the time."""
    if direction == AttendanceEvent.Direction.OUT:
        return _("Goodbye, %(name)s, checked out at %(at)s")
    if local_time.hour < 12:
        return _("Good morning, %(name)s, checked in at %(at)s")
    if local_time.hour < 18:
        return _("Good afternoon, %(name)s, checked in at %(at)s")
    return _("Good evening, %(name)s, checked in at %(at)s")


def kiosk_capture_view(*, capture: Capture, client_id: str | None) -> dict[str, Any]:
    """The kiosk's answer for one attempt: outcome, message, and for a match the name and photo.

    At a door the access decision speaks: "Door open", or the reason of the refusal.
    """
    view = _attempt_view(capture=capture, client_id=client_id)
    if capture.kiosk_id and capture.status == Capture.Status.DONE:
        event = AccessEvent.objects.filter(capture=capture).select_related("door").order_by("-id").first()
        if event is not None:
            return _door_view(view, event)
    return view


def kiosk_badge_view(*, event: AccessEvent) -> dict[str, Any]:
    """The kiosk's answer to a badge-and-PIN attempt."""
    view = {"status": "done", "outcome": "pending", "message": ""}
    if event.result == AccessEvent.Result.GRANTED and event.person is not None:
        view.update(name=event.person.name, message=_("Hello, %(name)s") % {"name": event.person.name})
    return _door_view(view, event)


def _door_view(view: dict[str, Any], event: AccessEvent) -> dict[str, Any]:
    door = {"door": event.door.name, "access": event.result, "reason": event.reason}
    name = view.get("name")
    if event.result == AccessEvent.Result.GRANTED:
        # "Door open" only when a command went to the lock: with no door controller configured
        # (no MQTT, no webhook) nothing opens it, and the person must not be told it is open
        signalled = event.commands.exists()
        if signalled and name:
            message = _("Door open. %(greeting)s") % {"greeting": view["message"]}
        elif signalled:
            message = reason_message("granted")
        elif name:
            message = _("Access granted, but the door is not opened: no door controller is set up. %(greeting)s") % {
                "greeting": view["message"]
            }
        else:
            message = str(NOT_SIGNALLED)
        return {**view, **door, "outcome": "door_open", "signalled": signalled, "message": message}
    refusal = reason_message(event.reason, event.message)
    if name and event.reason not in ("not_recognized",):
        message = _("%(refusal)s, %(name)s") % {"refusal": refusal, "name": name}
    else:
        message = refusal
    return {**view, **door, "outcome": "denied", "message": message}


def _attempt_view(*, capture: Capture, client_id: str | None) -> dict[str, Any]:
    view = {"id": client_id, "status": capture.status, "outcome": "pending", "message": str(PENDING)}
    if capture.status in (Capture.Status.QUEUED, Capture.Status.PROCESSING):
        return view
    if capture.status == Capture.Status.FAILED:
        return {**view, "outcome": "error", "message": str(ERROR), "detail": message_text(capture.error)}
    result = capture.face_result or CaptureResult()
    reason = result.reason
    if reason == "not_live":
        return {**view, "outcome": "not_live", "message": str(NOT_LIVE)}
    verify = capture.claimed_person_id is not None or bool(capture.claimed_employee_id)
    faces = result.faces
    if verify:
        # the ID as typed, for a known and an unknown one alike: the words
        # must not tell whether anyone has it
        person = capture.claimed_person
        claimed = capture.claimed_employee_id or (person.employee_id if person else "")
        if reason == "no_face":
            return {**view, "outcome": "no_face", "message": str(NO_FACE)}
        if not result.verified:
            message = _("This face does not match employee %(employee_id)s") % {"employee_id": claimed}
            return {**view, "outcome": "not_verified", "message": message}
    elif not faces:
        return {**view, "outcome": "no_face", "message": str(NO_FACE)}
    face = result.first
    if not face.matched:
        return {**view, "outcome": "not_recognized", "message": str(NOT_RECOGNIZED)}
    return {**view, **_matched(face)}


def _matched(face: FaceResult) -> dict[str, Any]:
    answer = {"name": face.name, "photo": person_thumbnail(face.person_id) if face.person_id else None}
    event = AttendanceEvent.objects.filter(pk=face.event_id).first() if face.event_id else None
    if event is None:  # recognized but attendance not recorded
        return {**answer, "outcome": "recognized", "message": _("Hello, %(name)s") % {"name": face.name}}
    local = timezone.localtime(event.at)
    at = f"{local:%H:%M}"
    answer.update(direction=event.direction, at=at)
    if face.event == "cooldown":
        if event.direction == AttendanceEvent.Direction.IN:
            already = _("%(name)s, already checked in at %(at)s")
        else:
            already = _("%(name)s, already checked out at %(at)s")
        return {**answer, "outcome": "already", "message": already % {"name": face.name, "at": at}}
    if face.event == "too_soon":
        # seen again just after checking in: say so, rather than a silent "Goodbye" that never happened
        shift = shift_for_person(event.person)
        until = timezone.localtime(event.at + timedelta(minutes=shift.min_interval_minutes))
        return {
            **answer,
            "outcome": "already",
            "message": _("%(name)s, you checked in at %(at)s; checking out is possible from %(until)s")
            % {"name": face.name, "at": at, "until": f"{until:%H:%M}"},
        }
    outcome = "checked_in" if event.direction == AttendanceEvent.Direction.IN else "checked_out"
    return {
        **answer,
        "outcome": outcome,
        "message": greeting(local, event.direction) % {"name": face.name, "at": at},
    }


def person_thumbnail(person_id: int) -> str | None:
    """The enrolled face of a person as a data: URL (the kiosk's only way to see a photo):
    the small thumbnail made when the photo was enrolled, so a busy door decodes nothing."""
    photo = (
        FacePhoto.objects.filter(person_id=person_id, status=FacePhoto.Status.ACCEPTED)
        .exclude(thumb_small="")
        .order_by("created_at")
        .first()
    )
    if photo is None:
        return None
    try:
        with photo.thumb_small.open("rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def attempt_decision(capture: Capture) -> tuple[str, str]:
    """(decision code, door refusal's sentence or "") of a kiosk attempt. At a door the door's
    decision is the attempt's: a recognized face refused there is "access_denied", never "match"."""
    result = capture.face_result or CaptureResult()
    face = result.first
    if result.reason:
        return result.reason, ""
    if face.access == AccessEvent.Result.GRANTED:
        return "access_granted", ""
    if face.access == AccessEvent.Result.DENIED:
        return "access_denied", reason_message(face.access_reason or "", "")
    return face.decision or capture.status, ""


def kiosk_attempts(*, kiosk: Kiosk, limit: int = 20) -> list[dict[str, Any]]:
    """The kiosk's latest attempts as rows for a page: when, who, decision, match, direction, picture."""
    rows = []
    for capture in kiosk.captures.select_related("claimed_person")[:limit]:
        face = (capture.face_result or CaptureResult()).first
        decision, refusal = attempt_decision(capture)
        rows.append(
            {
                "at": capture.created_at,
                "name": face.name or "",
                "decision": decision,
                "refusal": refusal,
                "distance": face.distance,
                "direction": face.direction or capture.direction or "",
                "image": capture.image.name if capture.image else "",
                "capture": capture,
            }
        )
    return rows
