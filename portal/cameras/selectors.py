"""What the camera pages and the API show: health in words, and the tracks a camera decided."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.cameras.models import AddressTest, Camera
from portal.core.messages import message_text
from recognition.models import Capture
from recognition.results import CaptureResult


def camera_state(camera: Camera, now: datetime | None = None) -> tuple[str, str]:
    """(code, sentence): disabled, waiting (no runner holds it), connected or failing."""
    now = now or timezone.now()
    if not camera.enabled:
        return "disabled", _("disabled")
    if not camera.lease_holder or camera.lease_expires is None or camera.lease_expires <= now:
        return "waiting", _("no runner holds this camera: is `manage.py cameras run` running?")
    if camera.connected:
        return "connected", _("connected")
    return "failing", _("not connected")


def _when(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i:s") if value else ""


def camera_health(camera: Camera, now: datetime | None = None) -> dict[str, Any]:
    """A camera's health as plain values (the page, its refresh, the API)."""
    code, state = camera_state(camera, now)
    connected = code == "connected"
    minimum = min(settings.CAMERA_MIN_ANALYSED_FPS, camera.analyse_fps)
    return {
        "state": code,
        "state_text": state,
        "runner": camera.lease_holder if code != "waiting" else "",
        "connected_since": _when(camera.connected_since) if camera.connected else "",
        # the blanks filled: since when it is (not) connected, and that it keeps trying
        "state_since": _state_since(camera, code),
        "frames_per_second": camera.frames_per_second if code == "connected" else 0.0,
        "analysed_per_second": camera.analysed_per_second if code == "connected" else 0.0,
        "faces_per_minute": camera.faces_per_minute if code == "connected" else 0.0,
        # enough analysed frames a second to follow a person passing (the tracker's tested minimum)
        "analysis_enough": (camera.analysed_per_second >= minimum) if connected else None,
        "analysis_text": _analysis_text(camera, minimum) if connected else "",
        "warning": message_text(camera.warning) if connected else "",
        "reconnects": camera.reconnects,
        "reconnects_text": _reconnects_text(camera, code),
        "address_test": camera.address_test,
        "address_test_text": _address_test_text(camera),
        "last_error": message_text(camera.last_error),
        "last_error_at": _when(camera.last_error_at),
        "health_at": _when(camera.health_at),
        "picture_at": _when(camera.last_picture_at),
        "picture_url": reverse("camera-picture", args=[camera.pk]) if camera.last_picture_at else "",
    }


def _state_since(camera: Camera, code: str) -> str:
    if code == "connected" and camera.connected_since:
        return _("since %(at)s") % {"at": _when(camera.connected_since)}
    if code == "failing" and camera.failing_since:
        return _("since %(at)s") % {"at": _when(camera.failing_since)}
    return ""


def _reconnects_text(camera: Camera, code: str) -> str:
    if code != "failing" or not camera.failed_attempts:
        return str(camera.reconnects)
    return ngettext(
        "%(reconnects)s; trying again: %(attempts)s attempt failed so far",
        "%(reconnects)s; trying again: %(attempts)s attempts failed so far",
        camera.failed_attempts,
    ) % {"reconnects": camera.reconnects, "attempts": camera.failed_attempts}


def _address_test_text(camera: Camera) -> str:
    if camera.address_test == AddressTest.TESTING:
        return _("testing the address…")
    if not camera.address_test:
        return ""
    return _("%(answer)s (tested %(at)s)") % {
        "answer": message_text(camera.address_test_text),
        "at": _when(camera.address_tested_at),
    }


def _analysis_text(camera: Camera, minimum: float) -> str:
    if camera.analysed_per_second >= minimum:
        return _("enough to follow people (at least %(minimum)s a second)") % {"minimum": f"{minimum:g}"}
    return _("too slow to follow people: at least %(minimum)s a second needed") % {"minimum": f"{minimum:g}"}


def camera_tracks(*, camera: Camera, limit: int = 20) -> list[dict[str, Any]]:
    """The latest decided tracks: when, who (or unknown), how sure, what followed, the picture."""
    rows = []
    for capture in Capture.objects.filter(camera=camera).order_by("-created_at", "-id")[:limit]:
        face = (capture.face_result or CaptureResult()).first
        rows.append(
            {
                "capture": capture,
                "at": capture.created_at,
                "name": face.name,
                "decision": face.decision or None,
                "distance": face.distance,
                "frames": face.frames,
                "event": face.event or face.access or "",
                "image": bool(capture.image),
            }
        )
    return rows
