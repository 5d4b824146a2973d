"""Camera pages (admins): the list with live health, add, change, the last picture.

The last picture is served by a view that checks the role, never as a media
URL; the credentials are never in a page.
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.accounts.roles import ADMIN, role_required
from portal.cameras.forms import CameraForm
from portal.cameras.models import AddressTest, Camera
from portal.cameras.pictures import camera_picture_read
from portal.cameras.selectors import camera_health, camera_tracks
from portal.cameras.tasks import camera_address_test_task

# what a read at the address depends on: a change of any of them asks for a new test
ADDRESS_FIELDS = {"kind", "url", "username", "password"}


def _address_test_ask(camera):
    """The address is tested by a worker once the camera is saved; the page shows the answer."""
    Camera.objects.filter(pk=camera.pk).update(
        address_test=AddressTest.TESTING, address_test_text="", address_tested_at=None
    )
    transaction.on_commit(lambda: camera_address_test_task.delay(camera.pk))


@role_required(ADMIN)
@require_GET
def cameras(request):
    listing = Camera.objects.select_related("door").defer("password")
    return render(request, "cameras/cameras.html", {"cameras": [(c, camera_health(c)) for c in listing]})


@role_required(ADMIN)
def camera_new(request):
    form = CameraForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        camera = form.save()
        _address_test_ask(camera)
        added = _("Camera %(name)s added; its address is being tested, and a runner picks it up within a few seconds.")
        messages.info(request, added % {"name": camera.name})
        return redirect("camera", pk=camera.pk)
    return render(request, "cameras/camera_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(ADMIN)
def camera_detail(request, pk):
    camera = get_object_or_404(Camera.objects.all(), pk=pk)
    form = CameraForm(request.POST or None, instance=camera)
    if request.method == "POST" and form.is_valid():
        form.save()
        if ADDRESS_FIELDS & set(form.changed_data) or camera.address_test == AddressTest.NONE:
            _address_test_ask(camera)
        messages.info(request, _("Saved."))
        return redirect("camera", pk=camera.pk)
    context = {"camera": camera, "health": camera_health(camera), "form": form, "tracks": camera_tracks(camera=camera)}
    return render(request, "cameras/camera.html", context, status=400 if form.errors else 200)


@role_required(ADMIN)
def camera_delete(request, pk):
    """Confirm, then delete: the runner holding it finds its row gone and lets the stream go."""
    camera = get_object_or_404(Camera.objects.defer("password"), pk=pk)
    if request.method == "POST":
        name = camera.name
        camera.delete()
        messages.info(request, _("The camera %(name)s is deleted.") % {"name": name})
        return redirect("cameras")
    return render(request, "cameras/camera_delete.html", {"camera": camera})


@role_required(ADMIN)
@require_GET
def cameras_health(request):
    """Every camera's health, for the pages' refresh (static/js/cameras.js)."""
    listing = Camera.objects.defer("password")
    return JsonResponse({"cameras": [{"id": c.pk, **camera_health(c)} for c in listing]})


@role_required(ADMIN)
@require_GET
def camera_picture(request, pk):
    """The camera's latest picture (a small JPEG), never cached: it is a view of a room right now."""
    known = Camera.objects.filter(pk=pk, last_picture_at__isnull=False).exists()
    picture = camera_picture_read(pk) if known else None
    if not picture:
        raise Http404(_("No picture yet."))
    response = HttpResponse(bytes(picture), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
