"""Failed sign-ins and wrong secrets, counted before anyone is authenticated.

Wrong passwords are counted per account and per client address; wrong API
tokens, kiosk tokens and pairing codes per address. Past the limit the
account or address is refused, even with the right secret, until the window
(LOGIN_LOCKOUT_SECONDS) is over.

The counts live in Django's cache, like the API's request budgets: with
CACHE_URL (Redis) every web process shares them; without it each process
counts on its own (the embedded setup has one).
"""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.utils.translation import ngettext


def client_address(request):
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXIES proxies
    the address the outermost of them saw (the client can forge the rest of
    X-Forwarded-For, never that one)."""
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


class FailureLimit:
    """At most `limit` failures per identity in a fixed window of `seconds`."""

    def __init__(self, scope, limit_setting):
        self.scope = scope
        self.limit_setting = limit_setting

    def _keys(self, ident):
        digest = hashlib.sha256(f"{self.scope}:{ident}".encode()).hexdigest()[:32]
        return f"failures:{digest}:n", f"failures:{digest}:until"

    def wait(self, ident):
        """Seconds until `ident` may try again; 0 when it may now."""
        count_key, until_key = self._keys(ident)
        if (cache.get(count_key) or 0) < getattr(settings, self.limit_setting):
            return 0
        return max(1, math.ceil((cache.get(until_key) or 0) - time.time()))

    def fail(self, ident):
        seconds = settings.LOGIN_LOCKOUT_SECONDS
        count_key, until_key = self._keys(ident)
        # the window starts at the first failure; add() keeps it from moving
        cache.add(until_key, time.time() + seconds, seconds)
        cache.add(count_key, 0, seconds)
        try:
            cache.incr(count_key)
        except ValueError:  # expired between add() and incr()
            cache.set(count_key, 1, seconds)

    def clear(self, ident):
        cache.delete_many(self._keys(ident))


LOGIN_ACCOUNT = FailureLimit("login-account", "LOGIN_FAILURES_PER_ACCOUNT")
LOGIN_ADDRESS = FailureLimit("login-address", "LOGIN_FAILURES_PER_ADDRESS")
# a wrong API token, kiosk token or pairing code
SECRET_ADDRESS = FailureLimit("secret-address", "SECRET_FAILURES_PER_ADDRESS")


def login_wait(request, username):
    """Seconds before this account may sign in from this address; 0: now."""
    account = LOGIN_ACCOUNT.wait((username or "").strip().lower())
    return max(account, LOGIN_ADDRESS.wait(client_address(request)) if request is not None else 0)


def secret_wait(request):
    return SECRET_ADDRESS.wait(client_address(request))


def secret_failed(request):
    SECRET_ADDRESS.fail(client_address(request))


def wait_text(seconds):
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


@receiver(user_login_failed)
def _count_failed_login(sender, credentials, request=None, **kwargs):
    LOGIN_ACCOUNT.fail((credentials.get("username") or "").strip().lower())
    if request is not None:
        LOGIN_ADDRESS.fail(client_address(request))


@receiver(user_logged_in)
def _forget_failures_of_the_account(sender, request, user, **kwargs):
    # the address keeps its count: one good account must not reset guessing at others
    LOGIN_ACCOUNT.clear(user.get_username().strip().lower())
