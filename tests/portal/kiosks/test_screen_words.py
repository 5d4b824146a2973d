"""What the kiosk screen says about the next event (no camera, no engine)."""

from datetime import time

import pytest
from django.utils import timezone

from portal.attendance.models import AttendanceEvent, Schedule
from portal.kiosks.selectors import kiosk_capture_view, kiosk_config
from portal.kiosks.services import kiosk_register
from recognition.models import Capture
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_a_sighting_too_soon_after_the_check_in_says_when_checking_out_is_possible():
    person = make_person("Barack Obama")
    at = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    event = AttendanceEvent.objects.create(person=person, at=at, direction="in", source="kiosk")
    capture = Capture.objects.create(
        status=Capture.Status.DONE,
        result={"faces": [{"decision": "match", "name": person.name, "person_id": person.pk,
                           "event_id": event.pk, "event": "too_soon", "direction": "in"}]},
    )  # fmt: skip
    view = kiosk_capture_view(capture=capture, client_id="c-1")
    assert view["outcome"] == "already"
    assert view["message"] == "Barack Obama, you checked in at 09:00; checking out is possible from 09:10"


def test_the_kiosk_is_told_the_cut_off_when_the_default_schedule_goes_by_time_of_day():
    kiosk = kiosk_register(name="Front door")
    assert kiosk_config(kiosk=kiosk)["punch_mode"] == "alternate"
    Schedule.objects.filter(is_default=True).update(punch_mode="time_of_day", punch_cutoff=time(11, 30))
    config = kiosk_config(kiosk=kiosk)
    assert config["punch_mode"] == "time_of_day" and config["cutoff"] == "11:30"
