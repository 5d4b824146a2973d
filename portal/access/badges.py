"""A badge and PIN at a kiosk's door: not a sighting, but the same decision as a
face there (portal.access.services) and the same attendance at a time clock."""

import time

from portal.access import pins
from portal.access.readers import SIDE_TO_DIRECTION
from portal.access.services import access_attempt_decide, badge_pin_check
from portal.attendance.services import attendance_event_record


def badge_route(*, kiosk, employee_id, pin, at):
    """One badge-and-PIN attempt decided at the kiosk's door. Returns the AccessEvent."""
    person, ok = badge_pin_check(employee_id=employee_id, pin=pin)
    door = kiosk.door
    event = access_attempt_decide(
        door=door, side=kiosk.door_side, at=at, person=person, kiosk=kiosk, verify=True, pin_ok=ok
    )
    if event.result == event.Result.GRANTED and door.time_clock and event.visitor_id is None:
        assert person is not None  # granted: the badge named someone (nobody is refused as not recognized)
        attendance_event_record(person=person, at=at, source="kiosk", direction=SIDE_TO_DIRECTION[kiosk.door_side])
    return event


def badge_attempt(*, kiosk, employee_id, pin, at):
    """A badge-and-PIN attempt under the guessing limits (portal.access.pins).

    Returns (AccessEvent or None, seconds to wait): None while the badge or the
    kiosk must wait, then the PIN is not even looked at. A refused attempt
    answers after the same time whether the badge exists or not.
    """
    started = time.monotonic()
    wait = pins.pin_wait(kiosk=kiosk, employee_id=employee_id)
    if wait or not pins.pin_attempt_claim(kiosk=kiosk, employee_id=employee_id):
        pins.failure_pace(started)
        return None, max(wait, 1)
    try:
        event = badge_route(kiosk=kiosk, employee_id=employee_id, pin=pin, at=at)
        if event.reason == "bad_pin":
            pins.pin_failure_record(kiosk=kiosk, employee_id=employee_id)
        elif event.result == event.Result.GRANTED:
            pins.pin_success_record(employee_id=employee_id)
    finally:
        pins.pin_attempt_release(kiosk=kiosk, employee_id=employee_id)
    if event.reason == "bad_pin":
        pins.failure_pace(started)
    return event, 0
