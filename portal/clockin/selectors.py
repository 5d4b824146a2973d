"""Reading phone clock-ins: what the phone shows."""

from typing import Any

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from portal.clockin.models import PhoneClockIn

REFUSALS = {
    "no_match": lambda: _("The face does not match"),
    "not_live": lambda: _("This does not look like a live face: hold the phone in front of you and try again."),
    "no_face": lambda: _("No face was found: hold the phone in front of your face and try again."),
    "not_enrolled": lambda: _("You have no enrolled face yet: ask HR to add a photo of you."),
    "unknown_claim": lambda: _("The face does not match"),
    "failed": lambda: _("The picture could not be checked: try again."),
}


def phone_clock_in_view(*, attempt: PhoneClockIn) -> dict[str, Any]:
    """The attempt as the phone shows it: status, outcome, and the words."""
    body: dict[str, Any] = {
        "client_id": attempt.client_id,
        "status": attempt.status,
        "outcome": "pending",
        "message": _("Checking your face…"),
        "at": None,
        "direction": "",
        "site": attempt.site,
        "network": attempt.network,
    }
    if attempt.status == PhoneClockIn.Status.REFUSED:
        body["outcome"] = attempt.reason or "no_match"
        body["message"] = REFUSALS.get(attempt.reason, REFUSALS["no_match"])()
    elif attempt.status == PhoneClockIn.Status.ACCEPTED and attempt.event is not None:
        event = attempt.event
        at = time_format(timezone.localtime(event.at), "H:i")
        body.update(at=event.at, direction=event.direction)
        if not attempt.event_created:
            body["outcome"] = "already"
            body["message"] = _("Already recorded at %(time)s") % {"time": at}
        elif event.direction == "in":
            body["outcome"] = "checked_in"
            body["message"] = _("Checked in at %(time)s") % {"time": at}
        else:
            body["outcome"] = "checked_out"
            body["message"] = _("Checked out at %(time)s") % {"time": at}
        where = attempt.site or attempt.network
        if where:
            body["message"] += f" ({where})"
    return body
