"""Caps on requests that wait for a worker's result.

A wait holds a web server thread (gunicorn's gthread workers: one thread per
request, not a process). So that waits never take every thread, and one
client never takes them all: past WAIT_THREADS_MAX waits in this process, or
WAIT_PER_CLIENT_MAX of one client, the request answers at once with the
capture as it is (202) and the client polls. The per-client counts live in
Django's cache, shared by every web process when CACHE_URL is set.
"""

import threading
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
    token = getattr(getattr(request, "auth", None), "pk", None)
    if token is not None:
        return f"token:{token}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "addr:" + request.META.get("REMOTE_ADDR", "")


_threads = None
_threads_lock = threading.Lock()


def _process_slots():
    global _threads
    with _threads_lock:
        if _threads is None or _threads[0] != settings.WAIT_THREADS_MAX:
            _threads = (settings.WAIT_THREADS_MAX, threading.BoundedSemaphore(max(settings.WAIT_THREADS_MAX, 1)))
        return _threads[1] if settings.WAIT_THREADS_MAX > 0 else None


@contextmanager
def wait_slot(request, seconds):
    """Yields the seconds this request may wait: `seconds`, or 0 past a cap."""
    slots = _process_slots() if seconds > 0 else None
    if slots is None or not slots.acquire(blocking=False):
        yield 0
        return
    try:
        with _client_slot(request, seconds) as allowed:
            yield allowed
    finally:
        slots.release()


@contextmanager
def _client_slot(request, seconds):
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
