"""The kiosk's pages and its small JSON API.

The API is authenticated by the kiosk's token alone (header
`Authorization: Kiosk <token>`), never by a session, so it is exempt from
CSRF; a kiosk token is accepted nowhere else in the portal.
"""

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal.access.badges import badge_attempt
from portal.accounts.throttling import secret_failed, secret_wait, wait_text
from portal.core.messages import message_text
from portal.core.waits import wait_slot
from portal.kiosks.selectors import (
    CHALLENGE_PROMPTS,
    kiosk_badge_view,
    kiosk_capture_view,
    kiosk_config,
    kiosk_liveness_level,
)
from portal.kiosks.services import (
    KioskError,
    frame_limits,
    kiosk_authenticate,
    kiosk_capture_find,
    kiosk_capture_submit,
    kiosk_challenge_issue,
    kiosk_pair,
    kiosk_pairing_find,
)
from recognition import imaging
from recognition.models import Capture
from recognition.services import capture_wait

REJECT_STATUS = {"too_large": 413, "too_many_pixels": 413, "not_image": 415}


def error(exc):
    response = JsonResponse({"error": exc.code, "message": exc.message}, status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Kiosk realm="kiosk"'
    return response


def kiosk_token(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "kiosk" else ""


def throttled(wait):
    response = JsonResponse(
        {
            "error": "throttled",
            "message": _("Too many wrong codes or tokens from this address; try again in %(seconds)s s.")
            % {"seconds": wait},
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def kiosk_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = kiosk_token(request)
        try:
            request.kiosk = kiosk_authenticate(token=token)
        except KioskError as exc:
            # wrong tokens are limited per address (the per-kiosk budget in
            # portal.api.throttling only knows real tokens); the right token is let
            # in even from a paused address: a guesser behind the same NAT must not
            # lock the real kiosks out, and a 256-bit token is not found by guessing
            if token and exc.status == 401:
                wait = secret_wait(request)
                if wait:
                    return throttled(wait)
                secret_failed(request)
            return error(exc)
        # every word of the answer in the kiosk's language (else its browser's, from LocaleMiddleware)
        language = request.kiosk.language or translation.get_language()
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    return csrf_exempt(never_cache(wrapper))


@never_cache
@require_GET
def kiosk_page(request):
    """The full-screen kiosk; the script finds its token in the browser's storage.

    `?language=`: the kiosk's own language, which the script learns from its
    configuration and asks for; without it, the browser's.
    """
    language = request.GET.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return render(request, "kiosks/kiosk.html")
    with translation.override(language):
        return render(request, "kiosks/kiosk.html", {"language_chosen": True})


@never_cache
@require_GET
def pair_page(request, code=""):
    kiosk, problem = None, ""
    wait = secret_wait(request) if code else 0
    if wait:
        problem = _("Too many wrong pairing codes from this address; try again in %(wait)s.") % {
            "wait": wait_text(wait)
        }
    elif code:
        try:
            kiosk = kiosk_pairing_find(code=code).kiosk
        except KioskError as exc:
            secret_failed(request)
            problem = exc.message
    return render(
        request,
        "kiosks/pair.html",
        {"code": code, "kiosk": kiosk, "problem": problem},
        status=429 if wait else 404 if problem else 200,
    )


@csrf_exempt  # no session is involved: the one-time code is the credential
@never_cache
@require_POST
def api_pair(request):
    # 31^8 codes, but each guess must still cost: limited per address first
    wait = secret_wait(request)
    if wait:
        return throttled(wait)
    try:
        kiosk, token = kiosk_pair(code=request.POST.get("code", ""))
    except KioskError as exc:
        if exc.code == "bad_code":
            secret_failed(request)
        return error(exc)
    return JsonResponse({"token": token, "kiosk": kiosk_config(kiosk=kiosk)})


@kiosk_required
@require_GET
def api_config(request):
    return JsonResponse(kiosk_config(kiosk=request.kiosk))


@kiosk_required
@require_POST
def api_capture_submit(request):
    """One attempt: `client_id`, one or more `frame` files, `employee_id` (verify), `direction` (buttons).

    Waits briefly for the result, so the common case is one round trip;
    202 with the status otherwise, and the kiosk polls api_capture.
    """
    client_id = request.POST.get("client_id", "")
    try:
        existing = kiosk_capture_find(kiosk=request.kiosk, client_id=client_id) if client_id else None
        if existing is not None:
            capture, created = existing, False
        else:
            capture, created = kiosk_capture_submit(
                kiosk=request.kiosk,
                client_id=client_id,
                frames=read_frames(request.FILES.getlist("frame")),
                employee_id=request.POST.get("employee_id", ""),
                direction=request.POST.get("direction", ""),
                challenge_token=request.POST.get("challenge", ""),
            )
    except KioskError as exc:
        return error(exc)
    with wait_slot(request, settings.KIOSK_RESULT_WAIT_SECONDS) as allowed:
        capture = capture_wait(capture=capture, seconds=allowed)
    return answer(capture, client_id, created=created)


@kiosk_required
@require_POST
def api_challenge(request):
    """A movement for the next attempt at a door set to high liveness: what to say, and a token to send back."""
    if kiosk_liveness_level(kiosk=request.kiosk) != "high":
        return error(KioskError("no_challenge", _("This kiosk asks for no movement.")))
    challenge, token = kiosk_challenge_issue(kiosk=request.kiosk)
    return JsonResponse({"challenge": challenge, "token": token, "prompt": str(CHALLENGE_PROMPTS[challenge])})


@kiosk_required
@require_POST
def api_badge(request):
    """A badge-and-PIN attempt (`employee_id`, `pin`) at a door in "face, or badge and PIN" mode."""
    if request.kiosk.door_id is None:
        return error(KioskError("no_door", _("This kiosk is not at a door.")))
    event, wait = badge_attempt(
        kiosk=request.kiosk,
        employee_id=request.POST.get("employee_id", ""),
        pin=request.POST.get("pin", ""),
        at=timezone.now(),
    )
    if event is None:
        # an answer the kiosk shows like a refusal (a 429 would read as "server busy, try again")
        message = _("Too many wrong PINs: try again in %(seconds)s seconds.") % {"seconds": wait}
        return JsonResponse(
            {"status": "done", "outcome": "denied", "reason": "pin_wait", "retry_after": wait, "message": message}
        )
    return JsonResponse(kiosk_badge_view(event=event))


def read_frames(files):
    """Check every frame's size before reading any, so a huge upload is not read."""
    limits = frame_limits()
    for number, upload in enumerate(files, start=1):
        try:
            imaging.check_size(upload.size, limits)
        except imaging.ImageRejected as exc:
            message = _("Frame %(number)s: %(problem)s") % {"number": number, "problem": message_text(exc.message)}
            raise KioskError(exc.code, message, REJECT_STATUS.get(exc.code, 400)) from None
    return [upload.read() for upload in files]


@kiosk_required
@require_GET
def api_capture(request, client_id):
    capture = kiosk_capture_find(kiosk=request.kiosk, client_id=client_id)
    if capture is None:
        return error(KioskError("not_found", _("No such attempt from this kiosk."), 404))
    # the poll waits too: a kiosk behind a long queue asks every few seconds, not 3 times a second
    with wait_slot(request, settings.KIOSK_RESULT_WAIT_SECONDS) as allowed:
        capture = capture_wait(capture=capture, seconds=allowed)
    return answer(capture, client_id)


def answer(capture, client_id, created=False):
    body = kiosk_capture_view(capture=capture, client_id=client_id)
    body["created"] = created
    pending = capture.status in (Capture.Status.QUEUED, Capture.Status.PROCESSING)
    return JsonResponse(body, status=202 if pending else 200)
