"""Headers every answer carries, and requests refused before any view runs."""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


def security_headers_middleware(get_response):
    """Content-Security-Policy and Permissions-Policy on every answer; no-store
    on pages and API answers that show people.

    The policy is one fixed string (settings.CONTENT_SECURITY_POLICY): the
    portal has no inline script, so it needs no per-request nonce. A view that
    sets its own policy (a stored file: `sandbox`) keeps it.
    """

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path.startswith(settings.NO_STORE_PATHS):
            # personal data must not stay in a shared computer's browser cache
            add_never_cache_headers(response)
        return response

    return middleware


def nul_refusing_middleware(get_response):
    """A NUL byte in the path or the query string is refused with 400.

    No address or filter value of the portal contains one, and PostgreSQL
    refuses it in a query (which would be a 500).
    """

    def middleware(request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            message = _("The address contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "bad_request", "message": message, "fields": {}}}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware
