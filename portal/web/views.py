import csv
import mimetypes
from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.accounts.roles import HR, VIEWER, role_required
from portal.attendance.models import AttendanceEvent
from portal.attendance.selectors import attendance_event_list
from portal.people.models import Person
from portal.web.forms import AttendanceFilterForm, RecognizeForm
from recognition import imaging
from recognition.models import Capture, FacePhoto
from recognition.services import capture_submit, upload_read

# HTTP status for each kind of refused upload
REJECT_STATUS = {"too_large": 413, "too_many_pixels": 413, "not_image": 415}


@role_required(VIEWER)
def home(request):
    today = timezone.localdate()
    context = {
        "people": Person.objects.filter(active=True).count(),
        "enrolled": Person.objects.filter(active=True, photos__status=FacePhoto.Status.ACCEPTED).distinct().count(),
        "events_today": attendance_event_list(date_from=today, date_to=today).count(),
        "recent": attendance_event_list()[:10],
    }
    return render(request, "web/home.html", context)


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
                form.add_error("image", exc.message)
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
    recent = Capture.objects.filter(submitted_by=request.user)[:8]
    return render(request, "web/recognize.html", {"form": form, "recent": recent}, status=status)


def _visible_capture(request, pk):
    return get_object_or_404(Capture, pk=pk)


@role_required(HR)
def capture(request, pk):
    item = _visible_capture(request, pk)
    events = AttendanceEvent.objects.filter(capture=item).select_related("person")
    return render(request, "web/capture.html", {"capture": item, "events": events})


@role_required(HR)
@require_GET
def capture_status(request, pk):
    item = _visible_capture(request, pk)
    return JsonResponse({"id": item.pk, "status": item.status, "error": item.error, "faces": item.faces})


@role_required(HR)
def attendance(request):
    form = AttendanceFilterForm(request.GET or None)
    events = AttendanceEvent.objects.none()
    if form.is_bound and form.is_valid():
        events = attendance_event_list(**form.cleaned_data)
    elif not form.is_bound:
        events = attendance_event_list()
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/attendance.html", {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


@role_required(HR)
def attendance_csv(request):
    form = AttendanceFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "web/attendance.html", {"form": form, "page": None}, status=400)
    events = attendance_event_list(**(form.cleaned_data if form.is_bound else {}))
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["time", "person", "employee_id", "department", "direction", "source", "distance"])
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(event.at).isoformat(timespec="seconds"),
                    event.person.name,
                    event.person.employee_id,
                    event.person.department.name if event.person.department else "",
                    event.direction,
                    event.source,
                    "" if event.distance is None else f"{event.distance:.4f}",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{timezone.localdate():%Y%m%d}.csv"'
    return response


@role_required(HR)
@require_GET
def media(request, path):
    """Stored photos, for HR and admins only: faces are personal data."""
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        raise Http404("No such file.")
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    response = FileResponse(target.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def healthz(request):
    return JsonResponse({"ok": True})


def root(request):
    return redirect("home")
