"""One request budget per principal: each API token, each kiosk, each
signed-in user, each anonymous address (rates: API_THROTTLE_* settings)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from portal.api.models import ApiToken


def principal(request):
    """(scope, identity) of whoever makes the request."""
    auth = request.auth
    if isinstance(auth, ApiToken):
        return "token", str(auth.pk)
    kiosk_id = getattr(auth, "kiosk_id", None) or getattr(getattr(auth, "kiosk", None), "pk", None)
    if kiosk_id is not None:
        return "kiosk", str(kiosk_id)
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
