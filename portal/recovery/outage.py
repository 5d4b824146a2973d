"""A database or broker that is down answers 503 with Retry-After, not 500.

The request could not be done now and may well succeed in a few seconds: a
client (the kiosk, an API program) retries; a person reads a page that says
so. API paths answer in the API's error format, kiosk paths in the kiosk's.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy
from django.views import defaults

from portal.core.errors import error_body

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = gettext_lazy(
    "The service is briefly unavailable (its database or queue is not answering); try again in a few seconds."
)


def outage_errors():
    errors = [OperationalError, InterfaceError]
    try:
        from kombu.exceptions import OperationalError as BrokerDown

        errors.append(BrokerDown)
    except ImportError:
        pass
    try:
        from redis.exceptions import ConnectionError as RedisDown
        from redis.exceptions import TimeoutError as RedisSlow

        errors += [RedisDown, RedisSlow]
    except ImportError:
        pass
    return tuple(errors)


def is_outage(exc):
    return isinstance(exc, outage_errors())


def outage_response(request):
    path = request.path
    if path.startswith("/api/"):
        response = JsonResponse(error_body("unavailable", str(MESSAGE)), status=503)
    elif path.startswith("/kiosk/api/"):
        response = JsonResponse({"error": "unavailable", "message": str(MESSAGE)}, status=503)
    else:
        # a plain template: the usual base page reads the session and the user from the database
        response = HttpResponse(loader.render_to_string("503.html", {"message": str(MESSAGE)}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class OutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if is_outage(exc):
            log.warning("%s %s: service unavailable: %s", request.method, request.path, exc)
            return outage_response(request)
        return None


def server_error(request):
    """handler500: what a middleware raised (sessions, throttling) reaches only this.

    Django calls it while handling the exception, so sys.exc_info() names it.
    """
    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return outage_response(request)
    return defaults.server_error(request)
