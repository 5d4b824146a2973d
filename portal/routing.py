"""The one router from a sighting to what it causes.

Recognition produces a `recognition.sightings.Sighting` and hands it here
(settings.SIGHTING_ROUTER). This is the only place that decides what follows
a decided face: an attendance event today, and each further consumer (the
door decision, alerts) is one more branch here, never an import on the
recognition side.
"""

from portal.attendance.services import attendance_event_record


def sighting_route(sighting):
    """Act on one sighting; returns the facts to keep with the face's result."""
    outcome = {}
    if sighting.person is not None and sighting.record_attendance:
        outcome.update(_attendance(sighting))
    return outcome


def _attendance(sighting):
    recorded = attendance_event_record(
        person=sighting.person,
        at=sighting.at,
        source=sighting.source,
        capture=sighting.capture,
        distance=sighting.distance,
        direction=sighting.direction or None,
    )
    return {
        "event_id": recorded.event.pk,
        "event": "created" if recorded.created else "cooldown",
        "direction": recorded.event.direction,
    }
