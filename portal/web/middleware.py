"""Headers every answer carries, and requests refused before any view runs."""

import re

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")


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
        # personal data must not stay in a shared computer's browser cache: every answer but the
        # static files is no-store (pages show people nearly everywhere, and a page that does not
        # today may tomorrow); an answer that set its own caching keeps it
        if not request.path.startswith(STATIC_PREFIX) and (
            request.path.startswith(settings.NO_STORE_PATHS) or "Cache-Control" not in response.headers
        ):
            add_never_cache_headers(response)
        return response

    return middleware


def nul_refusing_middleware(get_response):
    """A NUL byte anywhere in what a request sends is refused with 400, before any view runs.

    In the path, the query string, a form field or a file's name, or a JSON
    body (raw or as \\u0000). No value of the portal holds one; PostgreSQL
    refuses it in a query (a 500), and a parser may cut a value at it (an
    event's `at` read as a time up to the NUL). The API and the kiosk's API
    answer in their JSON error envelope, pages in plain text. A file's
    content (a photo, a frame) is binary and not looked at.
    """

    def middleware(request):
        if _holds_nul(request):
            message = _("The request contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "bad_request", "message": message, "fields": {}}}, status=400)
            if request.path.startswith("/kiosk/api/"):  # the kiosk's own envelope (portal.kiosks.views.error)
                return JsonResponse({"error": "bad_request", "message": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware


def _nul_in(query_dict):
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


def _holds_nul(request):
    if "\x00" in request.path or _nul_in(request.GET):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form, files = request.POST, request.FILES
        except Exception:  # noqa: BLE001 - a malformed body is the view's (or Django's) 400 to give
            return False
        names = [upload.name or "" for _field, uploads in files.lists() for upload in uploads]
        return _nul_in(form) or any("\x00" in name for name in names)
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        return b"\x00" in body or re.search(rb"\\u0000", body, re.IGNORECASE) is not None
    return False
