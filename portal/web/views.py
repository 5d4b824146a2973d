from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.accounts.roles import ADMIN, HR, has_role, role_required
from portal.core.files import file_response
from portal.core.messages import message_text
from portal.core.waits import wait_slot
from portal.web.forms import RecognizeForm
from recognition import imaging
from recognition.models import Capture, CaptureFrame, FacePhoto, VideoJob
from recognition.services import capture_submit, capture_wait, upload_read

# HTTP status for each kind of refused upload
REJECT_STATUS = {"too_large": 413, "too_many_pixels": 413, "not_image": 415}


@role_required(HR)
def recognize(request):
    status = 200
    if request.method == "POST":
        form = RecognizeForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["image"]
            try:
                data = upload_read(upload)
            except imaging.ImageRejected as exc:
                form.add_error("image", message_text(exc.message))
                status = REJECT_STATUS.get(exc.code, 400)
            else:
                capture = capture_submit(
                    data=data,
                    filename=upload.name,
                    source=Capture.Source.UPLOAD,
                    user=request.user,
                    record_attendance=form.cleaned_data["record_attendance"],
                )
                return redirect("capture", pk=capture.pk)
        else:
            status = 400
    else:
        form = RecognizeForm()
    return recognize_page(request, form=form, status=status)


def recognize_page(request, *, form=None, video_form=None, status=200):
    """The page with its two forms (a photo, a video) and the user's recent pictures and videos."""
    from portal.web.videos import VideoForm

    context = {
        "form": form or RecognizeForm(),
        "video_form": video_form or VideoForm(),
        "recent": Capture.objects.filter(submitted_by=request.user)[:8],
        "videos": VideoJob.objects.filter(submitted_by=request.user)[:8],
        "video_max_mb": settings.VIDEO_MAX_BYTES // (1024 * 1024),
        "video_max_seconds": settings.VIDEO_MAX_SECONDS,
    }
    return render(request, "web/recognize.html", context, status=status)


def _visible_capture(request, pk):
    capture = get_object_or_404(Capture, pk=pk)
    # kiosk attempts belong with the kiosks: admins only
    if capture.kiosk_id and not has_role(request.user, ADMIN):
        raise Http404(_("No such picture."))
    return capture


@role_required(HR)
def capture(request, pk):
    item = _visible_capture(request, pk)
    events = item.events.select_related("person", "recorded_by")
    item.error = message_text(item.error)
    return render(request, "web/capture.html", {"capture": item, "events": events})


# ?wait=N on the status endpoint: answer as soon as the capture is finished,
# at most N seconds later; saves a kiosk the round trips (and delay) of polling.
STATUS_WAIT_MAX_SECONDS = 10


@role_required(HR)
@require_GET
def capture_status(request, pk):
    item = _visible_capture(request, pk)
    try:
        wait = float(request.GET.get("wait") or 0)
    except ValueError:
        wait = -1
    if not 0 <= wait <= STATUS_WAIT_MAX_SECONDS:
        message = _("wait must be a number of seconds from 0 to %(max)s.") % {"max": STATUS_WAIT_MAX_SECONDS}
        return JsonResponse({"error": message}, status=400)
    with wait_slot(request, wait) as allowed:
        item = capture_wait(capture=item, seconds=allowed)
    return JsonResponse({"id": item.pk, "status": item.status, "error": message_text(item.error), "faces": item.faces})


# Stored pictures, each through the view of what it belongs to: faces are
# personal data, and no address serves the media folder as such.


@role_required(HR)
@require_GET
def media_photo(request, pk):
    """The photo, or with ?size=small (the face) or ?size=medium its thumbnail made at upload."""
    photo = get_object_or_404(FacePhoto, pk=pk)
    thumbnail = {"small": photo.thumb_small, "medium": photo.thumb_medium}.get(request.GET.get("size", ""))
    return file_response(thumbnail if thumbnail else photo.image)


CAPTURE_FILES = {"image", "annotated"}


@role_required(HR)
@require_GET
def media_capture(request, pk, kind):
    if kind not in CAPTURE_FILES:
        raise Http404(_("No such picture."))
    return file_response(getattr(_visible_capture(request, pk), kind))


@role_required(HR)
@require_GET
def media_capture_frame(request, pk, index):
    capture = _visible_capture(request, pk)
    return file_response(get_object_or_404(CaptureFrame, capture=capture, index=index).image)


def healthz(request):
    """Readiness: 200 when this process can reach its database and its broker, 503 naming what is down.

    For a load balancer that should stop sending requests here; `livez` says only that the process
    answers (a restart would not bring PostgreSQL back).
    """
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    ok = all(value != "down" for value in checks.values())
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)


def livez(request):
    """Liveness: the process answers requests (nothing else is asked)."""
    return JsonResponse({"ok": True})


def _database_ok():
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "up"


def _broker_ok():
    """The Celery broker answers; "eager" when there is none (tasks run in the web process)."""
    if not settings.CELERY_BROKER_URL:
        return "eager"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception:  # noqa: BLE001 - any failure to connect means the broker is not usable
        return "down"
    return "up"


def root(request):
    return redirect("home")
