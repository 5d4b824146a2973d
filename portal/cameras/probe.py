"""A camera's address tested when it is saved: one picture read there, the answer on the camera's page.

An admin who types an address wants to know at once whether it works, not
to find out later from a runner's health (if a runner is running at all).
A worker reads one frame with the runner's own reader (portal.cameras.streams:
the same address checks, protocols and credentials) and writes the answer on
the camera's row. Like the health, a failure says that no stream was read,
never what answered instead (a refused port, a web page): the page must not
be a scanner of the worker's network.
"""

import logging
import time

from django.conf import settings
from django.utils import timezone

from portal.cameras import streams, texts
from portal.cameras.models import AddressTest, Camera

log = logging.getLogger(__name__)


def camera_address_test(*, camera, timeout=None):
    """Read one picture at the camera's address; store and return (state, stored sentence)."""
    timeout = settings.CAMERA_TIMEOUT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + timeout
    state, text = AddressTest.FAILS, texts.ADDRESS_NOTHING % {"seconds": timeout}
    reader = streams.frames(camera, timeout=timeout, stop=lambda: time.monotonic() > deadline)
    try:
        for frame, _at in reader:
            height, width = frame().shape[:2]
            state, text = AddressTest.WORKS, texts.ADDRESS_WORKS % {"width": width, "height": height}
            break
    except streams.StreamError as exc:
        text = exc.message
        log.info("camera %s: address test failed: %s (%s)", camera.pk, exc.message, exc.detail)
    finally:
        reader.close()
    # only the test's own fields: the form may have been saved again meanwhile, and a newer test asked
    Camera.objects.filter(pk=camera.pk).update(
        address_test=state, address_test_text=text, address_tested_at=timezone.now()
    )
    return state, text
