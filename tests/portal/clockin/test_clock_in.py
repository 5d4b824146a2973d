"""Clocking in from a phone through the API, with real dlib on real photos:
the place first, then the selfie 1:1 against the person's own face only,
liveness as at kiosks, the location kept only on the event."""

import math
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.attendance.models import AttendanceEvent
from portal.clockin import rules
from portal.clockin.models import AllowedNetwork, PhoneClockIn, PhonePolicy, Site
from portal.people.models import Department
from recognition.models import Capture
from tests import photos, presentations
from tests.factories import enroll, make_employee
from tests.portal.kiosks.kiosk_helpers import kiosk_frame

pytestmark = pytest.mark.django_db

HEAD = (31.2304, 121.4737)


def north(metres):
    return HEAD[0] + math.degrees(metres / rules.EARTH_RADIUS_M), HEAD[1]


@pytest.fixture(autouse=True)
def quick(settings):
    # answer at once with 202; the tests run the worker themselves, then ask again
    settings.KIOSK_RESULT_WAIT_SECONDS = 0
    settings.ATTENDANCE_COOLDOWN_SECONDS = 60


@pytest.fixture
def office(db):
    Site.objects.create(name="Head office", latitude=HEAD[0], longitude=HEAD[1], radius_m=200)
    return PhonePolicy.objects.create(department=None, place="location", face_required=True, liveness=False)


@pytest.fixture
def obama(db):
    person, user = make_employee("Barack Obama")
    enroll(person, photos.OBAMA_2)
    return person, user


@pytest.fixture
def biden(db):
    person, user = make_employee("Joe Biden")
    enroll(person, photos.BIDEN)
    return person, user


def clock_in(client, frames, run_on_commit, *, at=north(20), accuracy=12.0, **headers):
    """Send a clock-in, let the in-process worker run, then ask for the answer like the page does."""
    client_id = uuid.uuid4().hex
    files = [SimpleUploadedFile(f"f{i}.jpg", frame, "image/jpeg") for i, frame in enumerate(frames)]
    data = {"client_id": client_id, "frame": files}
    if at is not None:
        data.update(latitude=at[0], longitude=at[1], accuracy_m=accuracy)
    with run_on_commit(execute=True):
        first = client.post(reverse("api:me-clock-in"), data, **headers)
    if first.status_code != 202:
        return first
    return client.get(reverse("api:me-clock-in-detail", args=[client_id]), **headers)


def test_my_own_face_inside_the_site_is_a_phone_event_with_the_location_on_it_only(
    client, office, obama, django_capture_on_commit_callbacks
):
    person, user = obama
    client.force_login(user)
    answer = clock_in(client, [kiosk_frame(photos.OBAMA)] * 3, django_capture_on_commit_callbacks, accuracy=12.4)
    body = answer.json()
    assert answer.status_code == 200 and body["outcome"] == "checked_in", body
    assert body["message"].startswith("Checked in at ") and body["message"].endswith("(Head office)")
    event = AttendanceEvent.objects.get()
    assert (event.person, event.source, event.direction) == (person, "phone", "in")
    assert event.latitude == pytest.approx(north(20)[0]) and event.longitude == HEAD[1] and event.accuracy_m == 12.4
    # 1:1: the capture claimed him, and the attempt keeps no location once decided
    capture = Capture.objects.get()
    assert capture.claimed_person == person and capture.source == "phone" and capture.result["verified"]
    attempt = PhoneClockIn.objects.get()
    assert attempt.status == "accepted" and attempt.latitude is None and attempt.event == event


def test_another_enrolled_persons_face_is_refused(client, office, obama, biden, django_capture_on_commit_callbacks):
    _, user = obama
    client.force_login(user)
    answer = clock_in(client, [kiosk_frame(photos.BIDEN)] * 3, django_capture_on_commit_callbacks)
    assert answer.json()["outcome"] == "no_match" and answer.json()["message"] == "The face does not match"
    assert "Biden" not in answer.content.decode()
    assert not AttendanceEvent.objects.exists()
    assert PhoneClockIn.objects.get().latitude is None  # a refused attempt keeps no location


def test_a_still_photo_is_refused_when_liveness_is_on_and_a_turning_face_is_taken(
    client, office, obama, django_capture_on_commit_callbacks
):
    office.liveness = True
    office.save()
    _, user = obama
    client.force_login(user)
    still = clock_in(client, [kiosk_frame(photos.OBAMA, width=640)] * 5, django_capture_on_commit_callbacks)
    assert still.json()["outcome"] == "not_live", still.json()
    assert not AttendanceEvent.objects.exists()
    head = presentations.face_crop(photos.OBAMA)
    turning = [photos.jpeg(frame) for frame in presentations.turning(head, yaw=15.0, seed=1)]
    assert clock_in(client, turning, django_capture_on_commit_callbacks).json()["outcome"] == "checked_in"


def test_outside_the_site_is_refused_with_the_distance_and_nothing_is_kept(
    client, office, obama, django_capture_on_commit_callbacks
):
    _, user = obama
    client.force_login(user)
    answer = clock_in(client, [kiosk_frame(photos.OBAMA)], django_capture_on_commit_callbacks, at=north(340))
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "You are 340 m from Head office; clock-in is allowed within 200 m"
    chinese = clock_in(
        client,
        [kiosk_frame(photos.OBAMA)],
        django_capture_on_commit_callbacks,
        at=north(340),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert chinese.json()["error"]["message"] == "你距离Head office 340 米；需在 200 米范围内打卡"
    no_location = clock_in(client, [kiosk_frame(photos.OBAMA)], django_capture_on_commit_callbacks, at=None)
    assert no_location.json()["error"]["message"] == "Location is not available: allow it in the browser."
    assert not Capture.objects.exists() and not PhoneClockIn.objects.exists()


def test_a_network_policy_takes_the_address_and_without_a_face_records_at_once(client, office, obama):
    AllowedNetwork.objects.create(name="Office Wi-Fi", network="203.0.113.0/24")
    office.place, office.face_required = "network", False
    office.save()
    _, user = obama
    client.force_login(user)
    outside = client.post(reverse("api:me-clock-in"), {"client_id": uuid.uuid4().hex}, REMOTE_ADDR="198.51.100.4")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "not_on_network"
    inside = client.post(reverse("api:me-clock-in"), {"client_id": uuid.uuid4().hex}, REMOTE_ADDR="203.0.113.9")
    assert inside.status_code == 201 and inside.json()["outcome"] == "checked_in", inside.json()
    event = AttendanceEvent.objects.get()
    assert event.source == "phone" and event.latitude is None and not Capture.objects.exists()


def test_the_department_policy_wins_and_off_refuses(client, office, obama):
    person, user = obama
    department = Department.objects.create(name="Sales")
    person.department = department
    person.save()
    PhonePolicy.objects.create(department=department, place="off")
    client.force_login(user)
    refused = client.post(reverse("api:me-clock-in"), {"client_id": uuid.uuid4().hex})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "off"


def test_someone_not_enrolled_is_told_so_and_nobody_sees_anothers_clock_in(
    client, office, obama, django_capture_on_commit_callbacks
):
    _, user = obama
    _, stranger = make_employee("Eileen Collins")
    client.force_login(stranger)
    answer = clock_in(client, [kiosk_frame(photos.STRANGER)], django_capture_on_commit_callbacks)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_enrolled"
    client.force_login(user)
    mine = clock_in(client, [kiosk_frame(photos.OBAMA)], django_capture_on_commit_callbacks)
    client_id = PhoneClockIn.objects.get().client_id
    assert mine.json()["outcome"] == "checked_in"
    client.force_login(stranger)
    assert client.get(reverse("api:me-clock-in-detail", args=[client_id])).status_code == 404


def test_an_integration_token_cannot_clock_anyone_in(client, office, obama):
    from portal.api.services import api_token_create

    _, key = api_token_create(name="hr system", role="hr")
    answer = client.post(
        reverse("api:me-clock-in"), {"client_id": uuid.uuid4().hex}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert answer.status_code == 403


def test_a_selfie_nobody_asked_about_again_leaves_no_location_behind(client, office, obama):
    from datetime import timedelta

    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from portal.clockin.services import phone_places_forget

    person, user = obama
    client.force_login(user)
    # submitted, its answer never asked for (no worker ran here: the capture stays queued)
    data = {"client_id": uuid.uuid4().hex, "latitude": HEAD[0], "longitude": HEAD[1], "accuracy_m": 9}
    data["frame"] = [SimpleUploadedFile("f.jpg", kiosk_frame(photos.OBAMA), "image/jpeg")]
    assert client.post(reverse("api:me-clock-in"), data).status_code == 202
    assert phone_places_forget() == 0  # a young attempt keeps it for its event
    assert phone_places_forget(now=timezone.now() + timedelta(hours=2)) == 1
    assert PhoneClockIn.objects.get().latitude is None
    # one policy per department and one for everyone else
    with pytest.raises(IntegrityError), transaction.atomic():
        PhonePolicy.objects.create(department=None, place="network")
