"""Badge PINs that cannot be guessed at a door: growing waits per badge and per kiosk, an alert, equal timing.

The attack (issue 21): 60 wrong PINs in 128 s with no lockout, then the right
one opened the door; all 10,000 four-digit PINs in under 84 minutes per kiosk;
and a known employee ID answered ~250 ms slower than an unknown one. So:

- a PIN has at least BADGE_PIN_MIN_LENGTH digits (6: a million of them);
- wrong PINs are counted per badge (the employee ID typed, known or not, so
  the count itself does not tell which IDs exist) and per kiosk; past
  BADGE_PIN_FREE_FAILURES for a badge (BADGE_PIN_KIOSK_FREE_FAILURES for a
  kiosk, which many people use) each further attempt waits twice as long
  as the one before, from 2 s up to BADGE_PIN_MAX_WAIT_SECONDS; an attempt
  during the wait is refused without looking at the PIN;
- at BADGE_PIN_ALERT_FAILURES wrong PINs in a row for a badge or a kiosk,
  security gets an alert (once per badge or kiosk per window);
- the right PIN clears the badge's count, not the kiosk's (someone's own
  badge must not reset a guesser's count at that kiosk);
- every refused attempt answers after the same BADGE_FAILURE_MIN_SECONDS, so
  a known ID with a PIN, a known ID without one and an unknown ID take the
  same time (the decision and its logging differ by far more than a hash).

The counts live in Django's cache like the sign-in limits (Redis with
CACHE_URL: every web process shares them), for BADGE_PIN_WINDOW_SECONDS after
the last wrong PIN.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from portal.access import texts
from portal.access.models import Alert


@dataclass
class Count:
    failures: int = 0
    until: float = 0.0  # time.time() before which no attempt is taken
    alerted: bool = False


def _key(scope, ident):
    return "pin-failures:" + hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]


def badge_ident(employee_id):
    return (employee_id or "").strip().lower()


def _read(scope, ident):
    return cache.get(_key(scope, ident)) or Count()


def _write(scope, ident, count):
    cache.set(_key(scope, ident), count, settings.BADGE_PIN_WINDOW_SECONDS)


def pin_wait(*, kiosk, employee_id, now=None):
    """Seconds before this badge may try a PIN at this kiosk again; 0: now."""
    now = now or time.time()
    waits = [_read("badge", badge_ident(employee_id)).until - now, _read("kiosk", kiosk.pk).until - now]
    return max(0, int(max(waits) + 0.999))


def _wait_after(failures, free):
    if failures <= free:
        return 0
    return min(2 ** (failures - free), settings.BADGE_PIN_MAX_WAIT_SECONDS)


def pin_failure_record(*, kiosk, employee_id, now=None):
    """Count a wrong PIN (or unknown badge) for the badge and the kiosk; alert at the threshold."""
    now = now or time.time()
    scopes = [
        ("badge", badge_ident(employee_id), settings.BADGE_PIN_FREE_FAILURES),
        ("kiosk", kiosk.pk, settings.BADGE_PIN_KIOSK_FREE_FAILURES),
    ]
    for scope, ident, free in scopes:
        count = _read(scope, ident)
        count.failures += 1
        count.until = now + _wait_after(count.failures, free)
        if count.failures >= settings.BADGE_PIN_ALERT_FAILURES and not count.alerted:
            count.alerted = True
            _alert(scope, kiosk, employee_id, count.failures)
        _write(scope, ident, count)


def pin_success_record(*, employee_id):
    cache.delete(_key("badge", badge_ident(employee_id)))


def _alert(scope, kiosk, employee_id, failures):
    from portal.access.alerts import alert_raise

    door = kiosk.door
    if scope == "badge":
        message = texts.fill(
            texts.PIN_GUESSING_BADGE, badge=(employee_id or "").strip()[:40], door=door.name, count=failures
        )
    else:
        message = texts.fill(texts.PIN_GUESSING_KIOSK, kiosk=kiosk.name, door=door.name, count=failures)
    alert_raise(kind=Alert.Kind.PIN_GUESSING, door=door, message=message)


def pin_attempt_claim(*, kiosk, employee_id):
    """One attempt at a time per badge and per kiosk: parallel guesses would all read the count before any
    wrote it. False: another attempt is being decided (refuse this one as if waiting)."""
    keys = [_key("busy-badge", badge_ident(employee_id)), _key("busy-kiosk", kiosk.pk)]
    taken = []
    for key in keys:
        if not cache.add(key, 1, 30):
            cache.delete_many(taken)
            return False
        taken.append(key)
    return True


def pin_attempt_release(*, kiosk, employee_id):
    cache.delete_many([_key("busy-badge", badge_ident(employee_id)), _key("busy-kiosk", kiosk.pk)])


def failure_pace(started):
    """Wait until a refused attempt has taken BADGE_FAILURE_MIN_SECONDS since `started` (time.monotonic())."""
    left = settings.BADGE_FAILURE_MIN_SECONDS - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)
