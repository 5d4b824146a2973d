"""One request budget per principal: each API token, each signed-in user, each
anonymous address (on the API), and each kiosk (on the kiosk's own endpoints).
Rates: the API_THROTTLE_* settings."""

import hashlib
import math

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from portal.api.models import ApiToken


def principal(request):
    """(scope, identity) of whoever makes an API request."""
    if isinstance(request.auth, ApiToken):
        return "token", str(request.auth.pk)
    if request.user and request.user.is_authenticated and request.user.pk is not None:
        return "user", str(request.user.pk)
    return "anon", None


class PrincipalRateThrottle(SimpleRateThrottle):
    def __init__(self):
        pass  # the rate depends on the principal, known only per request

    def allow_request(self, request, view):
        self.scope, self.ident = principal(request)
        self.rate = settings.API_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = self.ident if self.ident is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class KioskRateThrottle(SimpleRateThrottle):
    scope = "kiosk"

    def __init__(self, ident):
        self.ident = ident
        self.rate = settings.API_THROTTLE_RATES["kiosk"]
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def kiosk_throttle_middleware(get_response):
    """Requests sent with `Authorization: Kiosk <token>` share one budget per kiosk.

    The kiosk endpoints are plain Django views (portal.kiosks), so the limit is
    applied here, before them. A kiosk holds one token, so the token's hash
    names the kiosk without a database read; the answer is in the kiosk API's
    own error shape.
    """

    def middleware(request):
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() == "kiosk" and token:
            throttle = KioskRateThrottle(hashlib.sha256(token.encode()).hexdigest()[:32])
            if not throttle.allow_request(request, None):
                wait = math.ceil(throttle.wait() or 1)
                response = JsonResponse(
                    {
                        "error": "throttled",
                        "message": _("Too many requests from this kiosk; try again in %(seconds)s s.")
                        % {"seconds": wait},
                    },
                    status=429,
                )
                response["Retry-After"] = str(wait)
                return response
        return get_response(request)

    return middleware
