"""Enrollment pages: the people directory, a person's photos, bulk import.

HR managers and admins: HR manages people (see portal.accounts.roles).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.roles import HR, SECURITY, VIEWER, role_required, user_roles
from portal.core.messages import Message, message_text
from portal.people import imports, selectors, services
from portal.people.forms import BulkForm, DirectoryForm, ImportForm, PersonForm
from portal.people.models import Department, ImportJob, MergeRecord, Person
from portal.people.search import person_search
from portal.web.progress import job_progress_response
from recognition.models import FacePhoto

# HTTP status for each kind of refused upload, as on the recognize page
REJECT_STATUS = {"too_large": 413, "too_many_pixels": 413, "not_image": 415}


@role_required(HR)
@require_GET
def directory(request):
    form = DirectoryForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    people, counts = selectors.person_directory(
        query=filters.get("q", ""), department=filters.get("department"), state=filters.get("state") or None
    )
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    states = [(key, label, counts[key]) for key, label in selectors.STATES.items()]
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "states": states,
        "total": sum(counts.values()),
        "state_labels": selectors.STATES,
        "recommended": settings.ENROLL_RECOMMENDED_PHOTOS,
        "departments": Department.objects.all(),
    }
    return render(request, "people/directory.html", context, status=200 if not form.errors else 400)


@role_required(HR)
@require_POST
def bulk(request):
    """The directory's bulk actions: a department for many people, or (de)activate them."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick at least one person and choose an action."))
    else:
        data = form.cleaned_data
        changed = services.people_bulk_update(
            ids=[p.pk for p in data["people"]], action=data["action"], department=data["department"]
        )
        if data["action"] == "department":
            text = ngettext(
                "%(count)d person now in %(department)s.", "%(count)d people now in %(department)s.", changed
            )
        elif data["action"] == "deactivate":
            text = ngettext(
                "%(count)d person deactivated: no longer recognized.",
                "%(count)d people deactivated: no longer recognized.",
                changed,
            )
        else:
            text = ngettext("%(count)d person active again.", "%(count)d people active again.", changed)
        messages.info(request, text % {"count": changed, "department": data["department"] or _("no department")})
    back = request.POST.get("next", "")
    return redirect(f"{reverse('people:directory')}?{back}" if back else "people:directory")


@role_required(HR)
def person_create(request):
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = services.person_create(**form.cleaned_data)
        messages.info(request, _("%(name)s was added. Now add face photos.") % {"name": person.name})
        return redirect("people:person", pk=person.pk)
    status = 400 if form.errors else 200
    return render(request, "people/person_form.html", {"form": form, "person": None}, status=status)


@role_required(HR)
def person_edit(request, pk):
    person = get_object_or_404(Person, pk=pk)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.person_update(person=person, **form.cleaned_data)
        messages.info(request, _("Saved."))
        return redirect("people:person", pk=person.pk)
    status = 400 if form.errors else 200
    return render(request, "people/person_form.html", {"form": form, "person": person}, status=status)


@role_required(HR)
@require_POST
def person_active(request, pk):
    person = get_object_or_404(Person, pk=pk)
    active = request.POST.get("active") == "1"
    services.person_set_active(person=person, active=active)
    text = _("%(name)s is active again.") if active else _("%(name)s is deactivated: no longer recognized.")
    messages.info(request, text % {"name": person.name})
    return redirect("people:person", pk=person.pk)


@role_required(HR)
def person_delete(request, pk):
    person = get_object_or_404(Person, pk=pk)
    if request.method == "POST":
        name = person.name
        try:
            services.person_delete(person=person)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("people:person", pk=pk)
        messages.info(request, _("%(name)s and their photos were deleted.") % {"name": name})
        return redirect("people:directory")
    context = {"person": person, "photos": person.photos.count(), "events": person.events.count()}
    return render(request, "people/person_delete.html", context)


@role_required(HR)
@require_GET
def person(request, pk):
    item = get_object_or_404(Person.objects.select_related("department", "merged_into"), pk=pk)
    photos = list(selectors.person_photos(item))
    for photo in photos:
        photo.box_style = selectors.box_style(photo)
        photo.reason = message_text(photo.reason)
    accepted = sum(p.status == FacePhoto.Status.ACCEPTED for p in photos)
    since = timezone.now() - timedelta(days=settings.PEOPLE_MERGE_UNDO_DAYS)
    merges = MergeRecord.objects.filter(target=item, undone_at=None, created_at__gte=since).select_related("source")
    context = {
        "person": item,
        "merges": merges,
        "today": timezone.localdate(),
        "photos": photos,
        "accepted": accepted,
        "recommended": settings.ENROLL_RECOMMENDED_PHOTOS,
        "pending": any(p.status in selectors.PENDING for p in photos),
        "min_face_px": settings.ENROLL_MIN_FACE_PX,
    }
    return render(request, "people/person.html", context)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@role_required(HR)
@require_POST
def photos_upload(request, pk):
    """Several photos at once (drag and drop, file picker or webcam shots)."""
    item = get_object_or_404(Person, pk=pk)
    files = request.FILES.getlist("photos")
    if not files:
        message = _("Choose at least one photo.")
        if _wants_json(request):
            return JsonResponse({"added": 0, "already": 0, "errors": [{"file": "", "message": message}]}, status=400)
        messages.error(request, message)
        return redirect("people:person", pk=pk)
    added, already, errors = services.person_photos_upload(person=item, files=files)
    status = 200
    if errors and not added and not already:
        codes = {code for _name, _message, code in errors}
        status = REJECT_STATUS.get(codes.pop(), 400) if len(codes) == 1 else 400
    if _wants_json(request):
        return JsonResponse(
            {
                "added": len(added),
                "already": len(already),
                "errors": [{"file": name, "message": message_text(message)} for name, message, _code in errors],
            },
            status=status,
        )
    if added:
        text = ngettext(
            "%(count)d photo added; each is checked and encoded by a worker.",
            "%(count)d photos added; each is checked and encoded by a worker.",
            len(added),
        )
        messages.info(request, text % {"count": len(added)})
    if already:
        text = ngettext(
            "%(count)d photo was already there and was not added again.",
            "%(count)d photos were already there and were not added again.",
            len(already),
        )
        messages.info(request, text % {"count": len(already)})
    for name, message, _code in errors:
        messages.error(request, f"{name}: {message_text(message)}")
    return redirect("people:person", pk=pk)


@role_required(HR)
@require_GET
def photos_status(request, pk):
    item = get_object_or_404(Person, pk=pk)
    photos = [selectors.photo_summary(p) for p in selectors.person_photos(item)]
    return JsonResponse(
        {
            "photos": photos,
            "accepted": sum(p["status"] == FacePhoto.Status.ACCEPTED for p in photos),
            "pending": sum(p["status"] in selectors.PENDING for p in photos),
            "recommended": settings.ENROLL_RECOMMENDED_PHOTOS,
        }
    )


@role_required(HR)
def photo_delete(request, pk):
    """GET: what will be lost, and a button; POST: delete the photo."""
    photo = get_object_or_404(FacePhoto.objects.select_related("person"), pk=pk)
    person_id = photo.person_id
    if request.method == "POST":
        services.face_photo_delete(photo=photo)
        messages.info(request, _("The photo was deleted."))
        return redirect("people:person", pk=person_id)
    return render(request, "people/photo_delete.html", {"photo": photo, "person": photo.person})


@role_required(HR)
@require_POST
def photo_decide(request, pk):
    photo = get_object_or_404(FacePhoto, pk=pk)
    person_id = photo.person_id
    decision = request.POST.get("decision", "")
    if decision == services.MERGE:
        # never in one click: the confirmation page says what moves
        return redirect("people:photo-merge", pk=photo.pk)
    if decision == services.DISCARD:
        return redirect("people:photo-delete", pk=photo.pk)
    try:
        services.face_photo_decide(photo=photo, decision=decision, user=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("people:person", pk=person_id)
    messages.info(request, _("Kept as a different person."))
    return redirect("people:person", pk=person_id)


@role_required(HR)
def photo_merge(request, pk):
    """GET: what a merge moves, and that it can be undone; POST: merge."""
    photo = get_object_or_404(FacePhoto.objects.select_related("person", "lookalike"), pk=pk)
    source, target = photo.person, photo.lookalike
    if photo.status != FacePhoto.Status.REVIEW or target is None:
        messages.error(request, _("This photo is not waiting for a merge decision."))
        return redirect("people:person", pk=source.pk)
    if request.method == "POST":
        try:
            services.face_photo_decide(photo=photo, decision=services.MERGE, user=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("people:person", pk=source.pk)
        messages.info(
            request,
            _(
                "Merged: the photos and attendance of %(source)s now belong to %(target)s. "
                "You can undo this from the page of %(target)s for %(days)s days."
            )
            % {"source": source.name, "target": target.name, "days": settings.PEOPLE_MERGE_UNDO_DAYS},
        )
        return redirect("people:person", pk=target.pk)
    context = {
        "photo": photo,
        "source": source,
        "target": target,
        "photos": source.photos.count(),
        "events": source.events.count(),
        "undo_days": settings.PEOPLE_MERGE_UNDO_DAYS,
    }
    return render(request, "people/photo_merge.html", context)


@role_required(HR)
def merge_undo(request, pk):
    record = get_object_or_404(MergeRecord.objects.select_related("source", "target"), pk=pk)
    if request.method == "POST":
        try:
            services.person_merge_undo(record=record, user=request.user)
        except services.MergeRefused as exc:
            messages.error(request, str(exc))
            return redirect("people:person", pk=record.target_id)
        messages.info(
            request, _("Undone: %(name)s has their photos and attendance back.") % {"name": record.source.name}
        )
        return redirect("people:person", pk=record.source_id)
    context = {"record": record, "deadline": services.merge_undo_deadline(record)}
    return render(request, "people/merge_undo.html", context)


@role_required(HR)
def import_start(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["archive"]
            if upload.size > settings.IMPORT_MAX_BYTES:
                form.add_error(
                    "archive",
                    _("The archive is %(size)s MB; the limit is %(limit)s MB. Split it into several archives.")
                    % {"size": f"{upload.size / 2**20:.0f}", "limit": f"{settings.IMPORT_MAX_BYTES / 2**20:.0f}"},
                )
                status = 413
            else:
                try:
                    job = services.import_job_submit(
                        file=upload,
                        filename=upload.name,
                        user=request.user,
                        department=form.cleaned_data["department"],
                    )
                except imports.ArchiveRefused as exc:
                    form.add_error("archive", message_text(exc.message))
                    status = 400
                else:
                    return redirect("people:import", pk=job.pk)
        else:
            status = 400
    jobs = ImportJob.objects.all()[:10]
    return render(request, "people/import.html", {"form": form, "jobs": jobs}, status=status)


@role_required(HR)
@require_GET
def import_job(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    _report_translate(job.report)
    job.error = message_text(job.error)  # a stored message (a sentence before codes), in the reader's language
    return render(request, "people/import_job.html", {"job": job})


def _report_translate(report):
    """The stored report (codes, from the worker) in the reader's language; a sentence of a
    report written before codes that its migration could not convert is shown as it was."""
    for line in (report or {}).get("skipped", []):
        line["reason"] = message_text(line["reason"]) if isinstance(line["reason"], Message) else _(line["reason"])
    for group in (report or {}).get("rejected", []):
        group["label"] = _(group["label"])
        group["examples"] = [message_text(example) for example in group["examples"]]


@role_required(HR)
@require_GET
def import_status(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    return job_progress_response(job)


PICK_RESULTS = 20


@role_required(VIEWER, SECURITY)
@require_GET
def person_pick(request):
    """People matching what a picker's user types (static/js/picker.js), for pickers that list
    nobody in the page: at most PICK_RESULTS, as the people search finds them. Anyone with a page
    that has a person picker may ask; visitors are found only by security (the access log)."""
    people = Person.objects.filter(merged_into=None)
    if request.GET.get("scope") != "everyone" or SECURITY not in user_roles(request.user):
        people = people.staff()
    query = request.GET.get("q", "").strip()[:100]
    found = person_search(people, query).order_by("name", "id")[:PICK_RESULTS] if query else []
    # "search": the spellings picker.js matches further words against, as for listed options
    people = [{"id": p.pk, "label": str(p), "search": f"{p.search_key} {p.employee_id.casefold()}"} for p in found]
    return JsonResponse({"people": people})
