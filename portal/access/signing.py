"""Signing webhooks, and the function a receiver uses to check them.

Header `X-Portal-Signature: t=<unix seconds>,v1=<hex>` where
v1 = HMAC-SHA256(secret, "<t>." + raw body). A receiver recomputes it over
the raw bytes it got, compares in constant time, refuses a timestamp outside
its tolerance (a replay of an old message), and remembers the
`Idempotency-Key` header for that long (a replay of a recent one). This file
imports only the standard library, so a controller can copy it as is.
"""

import hashlib
import hmac
import time

HEADER = "X-Portal-Signature"


def signature_make(*, secret, body, timestamp=None):
    timestamp = int(time.time() if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_verify(*, secret, header, body, tolerance=30, now=None):
    """True if `header` signs `body` with `secret` and is at most `tolerance` seconds old (or ahead)."""
    try:
        parts = dict(item.split("=", 1) for item in (header or "").split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)
