"""Recognition hands a sighting to one router and imports none of the apps that act on it."""

import ast
from pathlib import Path

import pytest

from portal.attendance.models import AttendanceEvent
from recognition import versions
from recognition.models import Capture
from tests import photos
from tests.factories import enrolled, recognize

ACTING_APPS = ("portal.attendance", "portal.access", "portal.alerts", "portal.routing")
RECOGNITION = Path(__file__).resolve().parents[2] / "recognition"


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_the_recognition_package_imports_none_of_the_apps_that_act_on_a_sighting():
    offending = [
        f"{path.relative_to(RECOGNITION.parent)}: {name}"
        for path in RECOGNITION.rglob("*.py")
        for name in imported_modules(path)
        if name.startswith(ACTING_APPS)
    ]
    assert offending == []


@pytest.mark.django_db
def test_every_face_of_a_picture_reaches_the_configured_router_as_one_sighting(settings):
    seen = []
    settings.SIGHTING_ROUTER = "tests.recognition.test_sightings.remember"
    remember.calls = seen
    obama = enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    capture = recognize(photos.read(photos.OBAMA_AND_BIDEN))
    assert capture.status == Capture.Status.DONE
    assert sorted((s.person.pk if s.person else 0) for s in seen) == [0, obama.pk]
    known = next(s for s in seen if s.person)
    assert known.capture.pk == capture.pk and known.source == "upload"
    assert known.distance < versions.match_rule().threshold  # the encoding version's
    assert AttendanceEvent.objects.count() == 0  # the router here records nothing


@pytest.mark.django_db
def test_without_a_router_a_recognized_face_causes_no_attendance_event(settings):
    settings.SIGHTING_ROUTER = ""
    enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    capture = recognize(photos.read(photos.OBAMA_2))
    assert capture.faces[0]["decision"] == "match"
    assert AttendanceEvent.objects.count() == 0


def remember(sighting):
    remember.calls.append(sighting)
    return {"routed": True}
