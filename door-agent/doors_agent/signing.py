"""Signing door commands and reports, and checking them: one function for both ends.

The portal signs with `signature_make`; a controller (this package's agent, or
one of your own) checks with `signature_verify`, and the portal checks the
agent's reports with the same function. Standard library only, so that a
controller written elsewhere can copy this file as it is.

Signed text:  "<t>.<key>." + the raw body, HMAC-SHA256 with the shared secret
Header:       X-Portal-Signature: t=<unix seconds>,k=<key>,v1=<64 hex digits>
MQTT message: the header's value, one newline, the raw body (MQTT 3.1.1 has no headers)

`key` is what a receiver de-duplicates on. It is inside the signature, so a
captured message posted again with another key no longer verifies; a
receiver remembers the keys it accepted for `tolerance` seconds, and older
messages are refused by their time. Only past times count: a timestamp in
the future is refused (keep the clocks of both ends on NTP).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import NamedTuple

HEADER = "X-Portal-Signature"

# What a well-formed header holds; anything else is refused before any arithmetic,
# so no input (400 nines, non-ASCII digits, a megabyte of commas) can raise.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_KEY = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_MAX_HEADER = 300


class Signed(NamedTuple):
    """A message that verified: when it was signed, and the key to de-duplicate on."""

    timestamp: int
    key: str


def _digest(secret: str, timestamp: int, key: str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{key}.".encode() + body, hashlib.sha256).hexdigest()


def signature_make(*, secret: str, body: bytes, key: str, timestamp: float | None = None) -> str:
    """The header value that signs `body` and `key` now (or at `timestamp`)."""
    if not secret:
        raise ValueError("an empty secret signs nothing")
    if not _KEY.fullmatch(key):
        raise ValueError("a key is 1 to 100 of A-Z a-z 0-9 . _ : -")
    timestamp = int(time.time() if timestamp is None else timestamp)
    return f"t={timestamp},k={key},v1={_digest(secret, timestamp, key, body)}"


def signature_verify(
    *, secret: str, header: object, body: object, tolerance: float = 30, now: float | None = None
) -> Signed | None:
    """The signed time and key if `header` signs `body` with `secret` at most
    `tolerance` seconds ago (never in the future); None otherwise. Never raises."""
    try:
        return _verify(secret, header, body, tolerance, time.time() if now is None else now)
    except Exception:  # noqa: BLE001 - a verifier answers no, it does not crash on what an attacker sends
        return None


def _verify(secret, header, body, tolerance, now):
    if not secret or not isinstance(secret, str) or not isinstance(body, bytes):
        return None
    if not isinstance(header, str) or len(header) > _MAX_HEADER:
        return None
    fields = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep or name in fields:
            return None
        fields[name] = value
    if set(fields) != {"t", "k", "v1"}:
        return None
    t, key, given = fields["t"], fields["k"], fields["v1"]
    if not (_TIMESTAMP.fullmatch(t) and _KEY.fullmatch(key) and _DIGEST.fullmatch(given)):
        return None
    timestamp = int(t)
    age = now - timestamp
    if not 0 <= age <= tolerance:
        return None
    if not hmac.compare_digest(_digest(secret, timestamp, key, body), given):
        return None
    return Signed(timestamp, key)


def message_sign(*, secret: str, body: bytes, key: str, timestamp: float | None = None) -> bytes:
    """An MQTT payload: the signature line, then the body."""
    return signature_make(secret=secret, body=body, key=key, timestamp=timestamp).encode() + b"\n" + body


def message_verify(
    *, secret: str, message: object, tolerance: float = 30, now: float | None = None
) -> tuple[Signed, bytes] | None:
    """(signed time and key, body) of a signed MQTT payload; None if it does not verify. Never raises."""
    try:
        if not isinstance(message, (bytes, bytearray)):
            return None
        head, sep, body = bytes(message).partition(b"\n")
        if not sep or len(head) > _MAX_HEADER:
            return None
        signed = signature_verify(secret=secret, header=head.decode("ascii"), body=body, tolerance=tolerance, now=now)
        return None if signed is None else (signed, body)
    except Exception:  # noqa: BLE001 - see signature_verify
        return None
