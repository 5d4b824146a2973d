"""Five copies of one kiosk attempt sent at once all get the first answer."""

import pytest
from django.test import Client

from portal.kiosks.selectors import person_thumbnail
from recognition.models import Capture
from tests import photos
from tests.concurrency import at_once
from tests.factories import enrolled
from tests.portal.kiosks.kiosk_helpers import kiosk_frame, paired_kiosk, post_attempt


@pytest.mark.django_db(transaction=True)
def test_greetings_read_the_same_thumbnail_at_once_without_an_error():
    # the greeting's face is cut once, when the photo is enrolled: answers only read it
    person = enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    for _ in range(5):
        results, errors = at_once(5, lambda n: person_thumbnail(person.pk))
        assert not errors, errors
        assert len(set(results)) == 1 and results[0].startswith("data:image/jpeg;base64,")


@pytest.mark.django_db(transaction=True)
def test_five_resubmissions_of_one_attempt_all_get_its_answer(settings):
    enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    _, token = paired_kiosk()
    frames = [kiosk_frame(photos.OBAMA_2), kiosk_frame(photos.OBAMA_2, shift=(4, 0))]
    first = post_attempt(Client(), token, frames, client_id="attempt-0001").json()
    assert first["outcome"] == "checked_in"
    results, errors = at_once(5, lambda n: post_attempt(Client(), token, frames, client_id="attempt-0001"))
    assert not errors, errors
    assert [r.status_code for r in results] == [200] * 5
    for response in results:
        body = response.json()
        assert (body["outcome"], body["message"], body["photo"]) == (first["outcome"], first["message"], first["photo"])
        assert body["created"] is False
    assert Capture.objects.count() == 1
