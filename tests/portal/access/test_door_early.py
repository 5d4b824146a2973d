"""A kiosk at a door decides as soon as its first frame is sure: the person is waiting there.

Real dlib on the fixture photos; the network's calls are counted (the real network still runs) to
see which frames were encoded.
"""

import pytest

from portal.access.models import AccessEvent
from recognition import engine, imaging
from tests import photos
from tests.factories import enrolled
from tests.portal.access.helpers import door_with_kiosk, grant
from tests.portal.kiosks.kiosk_helpers import attempt, kiosk_frame, post_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def door_settings(settings):
    settings.KIOSK_RESULT_WAIT_SECONDS = 0
    settings.DOOR_MQTT_HOST = ""
    settings.DOOR_WEBHOOK_URL = ""


@pytest.fixture
def encoded(monkeypatch):
    """How many faces went through the network, per call."""
    calls, real = [], engine.encode_many

    def counted(items, *args, **kwargs):
        calls.append(sum(len(boxes) for _, boxes in items))
        return real(items, *args, **kwargs)

    monkeypatch.setattr(engine, "encode_many", counted)
    return calls


def frames(path, n=3):
    return [kiosk_frame(path, shift=(i * 3, 0)) for i in range(n)]


def at_a_door(person=None):
    door, kiosk, token = door_with_kiosk()
    if person is not None:
        grant(person, doors=[door], any_time=True, closed_on_holidays=False)
    return door, kiosk, token


def test_a_first_frame_recognized_with_room_to_spare_opens_the_door_without_encoding_the_others(
    client, encoded, django_capture_on_commit_callbacks
):
    obama = enrolled("Barack Obama", photos.OBAMA_2, photos.OBAMA_3, employee_id="1042")
    _, _, token = at_a_door(obama)
    encoded.clear()
    answer = attempt(client, token, frames(photos.OBAMA), django_capture_on_commit_callbacks).json()
    assert answer["outcome"] == "door_open"
    assert encoded == [1]  # the first frame's face only
    assert AccessEvent.objects.get().person == obama


def test_with_the_early_decision_off_every_frame_is_encoded_and_the_door_opens_the_same(
    client, encoded, settings, django_capture_on_commit_callbacks
):
    settings.KIOSK_EARLY_DECISION = False
    obama = enrolled("Barack Obama", photos.OBAMA_2, photos.OBAMA_3, employee_id="1042")
    _, _, token = at_a_door(obama)
    encoded.clear()
    answer = attempt(client, token, frames(photos.OBAMA), django_capture_on_commit_callbacks).json()
    assert answer["outcome"] == "door_open" and sum(encoded) == 3


def test_a_stranger_at_a_door_is_decided_from_every_frame_and_refused(
    client, encoded, django_capture_on_commit_callbacks
):
    enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    _, _, token = at_a_door()
    encoded.clear()
    answer = attempt(client, token, frames(photos.STRANGER), django_capture_on_commit_callbacks).json()
    assert answer["outcome"] != "door_open"
    assert sum(encoded) == 3  # not sure from one frame: all of them together
    assert AccessEvent.objects.get().result == "denied"


def test_a_kiosk_that_is_not_at_a_door_combines_every_frame(client, encoded, django_capture_on_commit_callbacks):
    from tests.portal.kiosks.kiosk_helpers import paired_kiosk

    enrolled("Barack Obama", photos.OBAMA_2, photos.OBAMA_3, employee_id="1042")
    _, token = paired_kiosk("Lobby")
    encoded.clear()
    attempt(client, token, frames(photos.OBAMA), django_capture_on_commit_callbacks)
    assert sum(encoded) == 3


def decoded_by_the_worker(client, token, pictures, monkeypatch, run_on_commit):
    """Submit an attempt, then count the JPEG frames the worker decodes while deciding it."""
    with run_on_commit() as queued:  # stored and queued, not processed yet
        assert post_attempt(client, token, pictures).status_code == 202
    decoded, real = [], imaging.decode

    def counted(data, *args, **kwargs):
        decoded.append(1)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(imaging, "decode", counted)
    with run_on_commit(execute=True):
        for task in queued:
            task()
    return len(decoded)


def test_a_first_frame_that_decides_leaves_the_other_frames_undecoded(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    obama = enrolled("Barack Obama", photos.OBAMA_2, photos.OBAMA_3, employee_id="1042")
    _, _, token = at_a_door(obama)
    pictures = frames(photos.OBAMA)
    assert decoded_by_the_worker(client, token, pictures, monkeypatch, django_capture_on_commit_callbacks) == 1
    assert AccessEvent.objects.get().person == obama


def test_a_doubtful_first_frame_has_the_other_frames_decoded_and_looked_at(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    _, _, token = at_a_door()
    pictures = frames(photos.STRANGER)
    assert decoded_by_the_worker(client, token, pictures, monkeypatch, django_capture_on_commit_callbacks) == 3
    assert AccessEvent.objects.get().result == "denied"
