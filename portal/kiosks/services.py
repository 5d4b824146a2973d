"""Kiosks: register, pair, revoke, and take a kiosk's attempts.

Plain functions over the models, so the pages, the admin and the REST API
share them. A kiosk's secret token is shown to its browser once and only its
sha256 is stored: a copy of the database pairs no browser.
"""

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.messages import message_text
from portal.kiosks.models import Kiosk, KioskPairing
from portal.kiosks.selectors import kiosk_liveness_level
from portal.people.models import Person
from recognition import imaging, liveness
from recognition.models import Capture
from recognition.services import capture_submit

# no 0/O, 1/I/L: read off one screen and typed on another
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,48}$")


class KioskError(Exception):
    """A refused kiosk request: `code` for programs, `message` for people, `status` for HTTP."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def code_normalize(code: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def kiosk_register(
    *,
    name: str,
    location: str = "",
    mode: str = Kiosk.Mode.IDENTIFY,
    direction: str = Kiosk.Direction.AUTO,
    liveness: bool = True,
    language: str = "",
) -> Kiosk:
    kiosk = Kiosk(name=name, location=location, mode=mode, direction=direction, liveness=liveness, language=language)
    kiosk.full_clean()
    kiosk.save()
    return kiosk


def kiosk_pairing_create(*, kiosk: Kiosk, created_by: User | None = None) -> tuple[KioskPairing, str]:
    """A one-time code for pairing a browser with `kiosk`. Returns (pairing, code)."""
    if kiosk.revoked:
        raise KioskError("revoked", _("This kiosk has been revoked; register a new one."), 409)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    pairing = KioskPairing.objects.create(
        kiosk=kiosk,
        code_hash=_digest(code),
        created_by=created_by,
        expires_at=timezone.now() + timedelta(minutes=settings.KIOSK_PAIRING_MINUTES),
    )
    return pairing, code


def kiosk_pairing_find(*, code: str) -> KioskPairing:
    """The open pairing for a code, or KioskError."""
    pairing = (
        KioskPairing.objects.select_related("kiosk")
        .filter(code_hash=_digest(code_normalize(code)), used_at=None, expires_at__gt=timezone.now())
        .first()
    )
    if pairing is None or pairing.kiosk.revoked:
        raise KioskError("bad_code", _("This pairing code is wrong, used or expired. Ask for a new one."), 404)
    return pairing


def kiosk_pair(*, code: str) -> tuple[Kiosk, str]:
    """Use a pairing code: the kiosk gets a new token. Returns (kiosk, token).

    A kiosk has one token; pairing again unpairs the browser that had it.
    """
    pairing = kiosk_pairing_find(code=code)
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # the code is used once, even by two browsers opening it at once
        if not KioskPairing.objects.filter(pk=pairing.pk, used_at=None).update(used_at=now):
            raise KioskError("bad_code", _("This pairing code is wrong, used or expired. Ask for a new one."), 404)
        Kiosk.objects.filter(pk=pairing.kiosk_id).update(token_hash=_digest(token), paired_at=now)
    kiosk = Kiosk.objects.get(pk=pairing.kiosk_id)
    return kiosk, token


def kiosk_revoke(*, kiosk: Kiosk) -> Kiosk:
    """The kiosk's browser can do nothing more; its page says it was revoked."""
    now = timezone.now()
    Kiosk.objects.filter(pk=kiosk.pk, revoked_at=None).update(revoked_at=now)
    KioskPairing.objects.filter(kiosk=kiosk, used_at=None).update(expires_at=now)
    kiosk.refresh_from_db()
    return kiosk


def kiosk_authenticate(*, token: str | None) -> Kiosk:
    """The kiosk a token belongs to; KioskError (401 unknown, 403 revoked) otherwise."""
    kiosk = Kiosk.objects.filter(token_hash=_digest(token)).first() if token else None
    if kiosk is None:
        raise KioskError("not_paired", _("This browser is not paired with a kiosk."), 401)
    if kiosk.revoked:
        raise KioskError("revoked", _("This kiosk has been revoked by an administrator."), 403)
    now = timezone.now()
    if kiosk.last_seen_at is None or now - kiosk.last_seen_at > timedelta(seconds=30):
        Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=now)
    return kiosk


def frame_limits() -> imaging.Limits:
    """A kiosk sends frames KIOSK_FRAME_WIDTH wide: three times that on each side is plenty, and a
    40-megapixel "frame" (16 s of the web process's CPU to decode) is refused before it is read."""
    side = 3 * settings.KIOSK_FRAME_WIDTH
    return imaging.Limits(
        max_bytes=settings.KIOSK_FRAME_MAX_BYTES, max_pixels=min(settings.UPLOAD_MAX_PIXELS, side * side)
    )


REJECT_STATUS = {"too_large": 413, "too_many_pixels": 413, "not_image": 415}


def frames_check(frames: Sequence[bytes]) -> None:
    """Each frame must be a readable image within the limits; KioskError otherwise."""
    if not frames:
        raise KioskError("no_frame", _("No camera frame was sent."))
    if len(frames) > settings.KIOSK_MAX_FRAMES:
        raise KioskError(
            "too_many_frames", _("At most %(count)s frames per attempt.") % {"count": settings.KIOSK_MAX_FRAMES}
        )
    for number, data in enumerate(frames, start=1):
        try:
            imaging.decode(data, frame_limits())
        except imaging.ImageRejected as exc:
            message = _("Frame %(number)s: %(problem)s") % {"number": number, "problem": message_text(exc.message)}
            raise KioskError(exc.code, message, REJECT_STATUS.get(exc.code, 400)) from None


def scoped_client_id(kiosk: Kiosk, client_id: str) -> str:
    """Client ids are unique per kiosk: one kiosk can neither collide with nor find another's."""
    return f"k{kiosk.pk}:{client_id}"


def kiosk_capture_find(*, kiosk: Kiosk, client_id: str) -> Capture | None:
    return Capture.objects.filter(kiosk=kiosk, client_id=scoped_client_id(kiosk, client_id)).first()


# a challenge is good for one attempt, this soon after the kiosk asked for it
CHALLENGE_SALT = "kiosk-liveness-challenge"
CHALLENGE_MAX_AGE_SECONDS = 60


def kiosk_challenge_issue(*, kiosk: Kiosk) -> tuple[str, str]:
    """A movement chosen at random for the next attempt, and a signed token that names it and this kiosk."""
    challenge = secrets.choice(liveness.CHALLENGES)
    token = signing.TimestampSigner(salt=CHALLENGE_SALT).sign_object(
        {"k": kiosk.pk, "c": challenge, "n": secrets.token_urlsafe(9)}
    )
    return challenge, token


def kiosk_challenge_redeem(*, kiosk: Kiosk, token: str | None) -> str:
    """The movement a token asked for, once: a token of another kiosk, too old or used before is refused."""
    refused = KioskError(
        "challenge_required", _("This door asks for a movement first: start again and follow the prompt.")
    )
    try:
        value = signing.TimestampSigner(salt=CHALLENGE_SALT).unsign_object(
            token or "", max_age=CHALLENGE_MAX_AGE_SECONDS
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise refused from None
    if not isinstance(value, dict) or value.get("k") != kiosk.pk or value.get("c") not in liveness.CHALLENGES:
        raise refused
    # one attempt per challenge: a recorded answer to "turn left" cannot wait for the next "turn left"
    if not cache.add(f"kiosk-challenge:{value.get('n')}", 1, CHALLENGE_MAX_AGE_SECONDS * 2):
        raise refused
    return value["c"]


def kiosk_capture_submit(
    *,
    kiosk: Kiosk,
    client_id: str,
    frames: Sequence[bytes],
    employee_id: str = "",
    direction: str = "",
    challenge_token: str = "",
) -> tuple[Capture | None, bool]:
    """Take one attempt (a burst of JPEG frames) from a kiosk. Returns (capture, created).

    The same client_id sent again (the kiosk did not hear the answer) returns
    the capture the server already has: nothing is counted twice.
    """
    if not CLIENT_ID.match(client_id or ""):
        raise KioskError("bad_client_id", _("Each attempt needs an id of 8 to 48 letters, digits, - or _."))
    existing = kiosk_capture_find(kiosk=kiosk, client_id=client_id)
    if existing is not None:
        return existing, False
    direction = _direction(kiosk, direction)
    claimed = None
    if kiosk.mode == Kiosk.Mode.VERIFY:
        employee_id = (employee_id or "").strip()
        if not employee_id:
            raise KioskError("no_employee_id", _("Type your employee ID or scan your badge first."))
        if "\x00" in employee_id or len(employee_id) > 64:
            # no ID looks like this; PostgreSQL would refuse the query
            raise KioskError("bad_employee_id", _("This is not an employee ID; type it again or scan your badge."))
        claimed = Person.objects.filter(employee_id__iexact=employee_id).first()
    frames_check(frames)
    level = kiosk_liveness_level(kiosk=kiosk)
    challenge = kiosk_challenge_redeem(kiosk=kiosk, token=challenge_token) if level == "high" else ""
    try:
        # an ID nobody has goes the same way as a real one (stored, queued, its
        # faces found and encoded) and is refused like a face that does not
        # match: neither the words nor the time tell which IDs exist
        capture = capture_submit(
            data=frames[0],
            filename="frame-0.jpg",
            source=Capture.Source.KIOSK,
            claimed_person=claimed,
            claimed_employee_id=employee_id if kiosk.mode == Kiosk.Mode.VERIFY else "",
            kiosk=kiosk,
            client_id=scoped_client_id(kiosk, client_id),
            direction=direction,
            require_liveness=level != "off",
            liveness_challenge=challenge,
            frames=frames[1:],
        )
    except IntegrityError:
        # the same attempt arrived twice at once; the other request stored it
        return kiosk_capture_find(kiosk=kiosk, client_id=client_id), False
    return capture, True


def _direction(kiosk: Kiosk, asked: str) -> str:
    if kiosk.direction == Kiosk.Direction.BUTTONS:
        if asked not in ("in", "out"):
            raise KioskError("no_direction", _("Choose check-in or check-out."))
        return asked
    if kiosk.direction in (Kiosk.Direction.IN, Kiosk.Direction.OUT):
        return kiosk.direction
    return ""


def kiosk_snapshots_expire(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete the pictures of kiosk attempts older than the retention period.

    The rows stay (kiosk, direction, decision, distance, attendance event);
    only the pictures go. Returns the number of attempts cleared.
    """
    days = settings.KIOSK_SNAPSHOT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    # a camera track's best frame and a phone's selfie are a kiosk attempt's picture by another device
    attempts = Capture.objects.filter(
        Q(kiosk__isnull=False) | Q(source__in=[Capture.Source.CAMERA, Capture.Source.PHONE])
    )
    old = attempts.filter(created_at__lt=cutoff).exclude(image="")
    cleared = 0
    for capture in old.iterator(chunk_size=500):
        capture.frames.all().delete()  # their files go with them (recognition.signals)
        for field in (capture.image, capture.annotated):
            if field:
                field.delete(save=False)
        Capture.objects.filter(pk=capture.pk).update(image="", annotated="")
        cleared += 1
    return cleared
