"""Readable actors for the kiosk tests: a paired kiosk, its frames, its attempts."""

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.kiosks.services import kiosk_pair, kiosk_pairing_create, kiosk_register
from recognition import imaging
from tests import photos


def paired_kiosk(name="Front door", **fields):
    """A registered kiosk and the token its browser holds.

    Liveness off unless asked: these tests send still fixture photos, which
    liveness (on for real new kiosks) refuses by design; it has its own tests.
    """
    fields.setdefault("liveness", False)
    kiosk = kiosk_register(name=name, location="Lobby", **fields)
    _, code = kiosk_pairing_create(kiosk=kiosk)
    kiosk, token = kiosk_pair(code=code)
    return kiosk, token


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Kiosk {token}"}


def kiosk_frame(path, width=480, shift=(0, 0)):
    """A photo as the kiosk's camera sends it: 4:3, `width` pixels wide, JPEG."""
    picture = imaging.decode(photos.read(path))
    picture.thumbnail((width, width * 3 // 4))
    frame = Image.new("RGB", (width, width * 3 // 4), (40, 40, 40))
    frame.paste(
        picture, ((frame.width - picture.width) // 2 + shift[0], (frame.height - picture.height) // 2 + shift[1])
    )
    out = io.BytesIO()
    frame.save(out, format="JPEG", quality=85)
    return out.getvalue()


def post_attempt(client, token, frames, client_id=None, **fields):
    files = [SimpleUploadedFile(f"frame-{i}.jpg", data, "image/jpeg") for i, data in enumerate(frames)]
    payload = {"client_id": client_id or uuid.uuid4().hex, "frame": files, **fields}
    return client.post(reverse("kiosk-api-captures"), payload, **auth(token))


def attempt(client, token, frames, run_on_commit, client_id=None, **fields):
    """Submit, let the (in-process) worker run, then read the answer like a polling kiosk."""
    client_id = client_id or uuid.uuid4().hex
    with run_on_commit(execute=True):
        first = post_attempt(client, token, frames, client_id=client_id, **fields)
    if first.status_code != 202:
        return first
    return client.get(reverse("kiosk-api-capture", args=[client_id]), **auth(token))
