"""Kiosk frames are capped at three times KIOSK_FRAME_WIDTH on a side (issue 21: frames up to 40 MP were
accepted, 16 s of the web process's CPU each, though kiosks send 480 px)."""

import io

import pytest
from PIL import Image

from recognition.models import Capture
from tests.portal.kiosks.kiosk_helpers import paired_kiosk, post_attempt

pytestmark = pytest.mark.django_db


def flat_jpeg(width, height):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 90, 90)).save(out, format="JPEG", quality=30)
    return out.getvalue()


def test_a_frame_larger_than_three_kiosk_widths_on_a_side_is_refused_before_decoding(client, settings):
    settings.KIOSK_FRAME_WIDTH = 480
    settings.KIOSK_FRAME_MAX_BYTES = 5 * 1024 * 1024  # the pixels are the limit here, not the bytes
    _, token = paired_kiosk()
    answer = post_attempt(client, token, [flat_jpeg(2400, 1800)])
    assert answer.status_code == 413, answer.content
    assert answer.json()["error"] == "too_many_pixels"
    assert not Capture.objects.exists()
    # a frame within the cap goes on (here: refused later for having no face, not for its size)
    within = post_attempt(client, token, [flat_jpeg(1280, 960)])
    assert within.status_code in (200, 202), within.content
