"""A per-client cap on requests that wait for a worker's result.

A wait holds a web server thread (gunicorn's gthread workers: one thread per
request, not a process), so one client must not take them all: past
WAIT_PER_CLIENT_MAX concurrent waits, the request answers at once with the
capture as it is (202) and the client polls. The counts live in Django's
cache, shared by every web process when CACHE_URL is set.
"""

from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

# a count left behind by a process that died mid-wait is gone after this
COUNT_TTL_SECONDS = 120


def client_key(request):
    """Who is waiting: the kiosk, the API token, the signed-in user, or the address."""
    kiosk = getattr(request, "kiosk", None)
    if kiosk is not None:
        return f"kiosk:{kiosk.pk}"
    auth = getattr(request, "auth", None)
    if getattr(auth, "pk", None) is not None:
        return f"token:{auth.pk}"
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return "addr:" + request.META.get("REMOTE_ADDR", "")


@contextmanager
def wait_slot(request, seconds):
    """Yields the seconds this request may wait: `seconds`, or 0 past the client's cap."""
    if seconds <= 0:
        yield 0
        return
    key = "waits:" + client_key(request)
    try:
        cache.add(key, 0, COUNT_TTL_SECONDS)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001 - a cache that is down must not refuse the request
        yield seconds
        return
    try:
        yield seconds if count <= settings.WAIT_PER_CLIENT_MAX else 0
    finally:
        try:
            cache.decr(key)
        except Exception:  # noqa: BLE001 - expired or unreachable: the count heals with its TTL
            pass
