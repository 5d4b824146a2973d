"""A verify kiosk answers an employee ID nobody has exactly as it answers a
real one whose face does not match: same words, same work (so about the same
time)."""

import pytest

from portal.kiosks.models import Kiosk
from recognition import engine
from recognition.models import Capture
from tests import photos
from tests.factories import enrolled
from tests.portal.kiosks.kiosk_helpers import attempt, kiosk_frame, paired_kiosk

pytestmark = pytest.mark.django_db
REAL, UNKNOWN = "17", "9999"


@pytest.fixture
def staff():
    enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    enrolled("Joe Biden", photos.BIDEN, employee_id=REAL)


def answer(client, token, frames, employee_id, on_commit):
    response = attempt(client, token, frames, on_commit, employee_id=employee_id)
    body = response.json()
    body.pop("id")
    body["message"] = body["message"].replace(employee_id, "<ID>")
    return response.status_code, body


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(lambda: photos.no_face_jpeg((480, 360)), id="no face"),
        pytest.param(lambda: kiosk_frame(photos.OBAMA), id="someone else's face"),
        pytest.param(lambda: kiosk_frame(photos.STRANGER), id="a stranger's face"),
    ],
)
def test_an_unknown_employee_id_gets_the_very_words_of_a_real_one(
    client, staff, frame, django_capture_on_commit_callbacks
):
    _, token = paired_kiosk(mode=Kiosk.Mode.VERIFY)
    real = answer(client, token, [frame()], REAL, django_capture_on_commit_callbacks)
    unknown = answer(client, token, [frame()], UNKNOWN, django_capture_on_commit_callbacks)
    assert real == unknown
    assert real[1]["outcome"] in ("no_face", "not_verified")


def test_an_unknown_employee_id_is_typed_back_as_typed_like_a_real_one(
    client, staff, django_capture_on_commit_callbacks
):
    _, token = paired_kiosk(mode=Kiosk.Mode.VERIFY)
    body = attempt(client, token, [kiosk_frame(photos.OBAMA)], django_capture_on_commit_callbacks, employee_id="17")
    assert body.json()["message"] == "This face does not match employee 17"


def test_an_unknown_employee_id_runs_the_same_face_work_as_a_real_one(
    client, staff, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    real_encode = engine.encode_many

    def counting_encode(items, options=engine.DetectOptions()):
        calls.append(sum(len(boxes) for _, boxes in items))
        return real_encode(items, options)

    monkeypatch.setattr(engine, "encode_many", counting_encode)
    _, token = paired_kiosk(mode=Kiosk.Mode.VERIFY)
    frames = [kiosk_frame(photos.OBAMA), kiosk_frame(photos.OBAMA, shift=(4, 0))]
    attempt(client, token, frames, django_capture_on_commit_callbacks, employee_id=REAL)
    real_calls, calls[:] = list(calls), []
    attempt(client, token, frames, django_capture_on_commit_callbacks, employee_id=UNKNOWN)
    assert real_calls and calls == real_calls
    unknown = Capture.objects.get(claimed_employee_id=UNKNOWN)
    assert unknown.claimed_person is None and unknown.status == Capture.Status.DONE and unknown.annotated
