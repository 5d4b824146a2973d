"""One error format for every API response that is not a success:

{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from portal.core.errors import error_body as body
from portal.core.messages import message_text
from portal.recovery.outage import MESSAGE as OUTAGE_MESSAGE
from portal.recovery.outage import RETRY_AFTER_SECONDS, is_outage
from recognition.imaging import ImageRejected

log = logging.getLogger(__name__)

# the same statuses as the pages give a refused upload
IMAGE_REJECT_STATUS = {"too_large": 413, "too_many_pixels": 413, "not_image": 415}


class ApiError(exceptions.APIException):
    """An error with our own code, status and field messages."""

    def __init__(self, status_code, code, message, fields=None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.fields = fields or {}


OUTAGE_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def image_error(exc: ImageRejected, field):
    message = message_text(exc.message)
    return ApiError(IMAGE_REJECT_STATUS.get(exc.code, 400), exc.code, message, {field: [message]})


def _flatten(detail, prefix=""):
    """DRF's nested validation detail -> {"field" or "field.0.sub": [messages]}."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        out = {}
        for index, value in enumerate(detail):
            if value:
                out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def _validation(exc):
    fields = _flatten(exc.detail)
    general = fields.pop("non_field_errors", None)
    if general:
        message = " ".join(general)
    else:
        message = _("Some values are not valid: %(fields)s.") % {"fields": ", ".join(sorted(fields))}
    return body("invalid", message, fields)


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if str(exc) else None)
    elif isinstance(exc, RequestDataTooBig):
        exc = ApiError(413, "too_large", _("The request body is too large."))

    if is_outage(exc):
        set_rollback()
        return Response(body("unavailable", str(OUTAGE_MESSAGE)), status=503, headers=OUTAGE_HEADERS)

    if not isinstance(exc, exceptions.APIException):
        log.exception("API request failed", exc_info=exc)
        set_rollback()
        return Response(
            body("server_error", _("Something went wrong on the server; it has been logged.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, ApiError):
        data = body(exc.code, exc.message, exc.fields)
    elif isinstance(exc, exceptions.ValidationError):
        data = _validation(exc)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        data = body(code, str(exc.detail))
    set_rollback()
    return Response(data, status=exc.status_code, headers=headers)


@csrf_exempt  # any method, any body: the answer is the same 404, never a CSRF page
def not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer in the API's format, not with an HTML page."""
    return JsonResponse(body("not_found", _("There is no such API address.")), status=404)
