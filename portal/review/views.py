"""The review list of unknown faces (HR and admins): the list, one entry, and its decisions.

HR decides: these are faces of people nobody enrolled, and most are
employees or newcomers, which is enrollment (HR's). A visitor pass made from
a face stays within the doors' visitor policy unless Security marks it.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.access.visitors import VisitorRefused
from portal.accounts.roles import HR, SECURITY, has_role, role_required
from portal.core.files import picture_response
from portal.review.forms import AssignForm, NewPersonForm, ReviewVisitorForm
from portal.review.models import UnknownFace
from portal.review.services import ReviewRefused, review_assign, review_dismiss, review_new_person, review_visitor

PAGE = 50


def _entries():
    return UnknownFace.objects.select_related("person").defer("picture", "encoding")


@role_required(HR)
@require_GET
def review_list(request):
    status = request.GET.get("status") or UnknownFace.Status.OPEN
    if status not in UnknownFace.Status.values:
        status = UnknownFace.Status.OPEN
    entries = _entries().filter(status=status)[:PAGE]
    context = {
        "entries": entries,
        "status": status,
        "statuses": UnknownFace.Status.choices,
        "retention_days": settings.REVIEW_RETENTION_DAYS,
    }
    return render(request, "review/list.html", context)


@role_required(HR)
def review_entry(request, pk, *, assign_form=None, new_form=None, status=200):
    entry = get_object_or_404(_entries(), pk=pk)
    context = {
        "entry": entry,
        "sightings": entry.sightings.select_related("kiosk")[:50],
        "assign_form": assign_form or AssignForm(),
        "new_form": new_form or NewPersonForm(prefix="new"),
    }
    return render(request, "review/entry.html", context, status=status)


def _already(request, pk):
    messages.error(request, _("This face has already been reviewed."))
    return redirect("review-entry", pk=pk)


@role_required(HR)
@require_POST
def review_assign_view(request, pk):
    entry = get_object_or_404(UnknownFace, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return review_entry(request, pk, assign_form=form, status=400)
    person = form.cleaned_data["person"]
    try:
        review_assign(entry=entry, person=person, user=request.user)
    except ReviewRefused:
        return _already(request, pk)
    messages.success(
        request,
        _("The face was added to %(name)s's photos; a worker checks it like any enrollment photo.")
        % {"name": person.name},
    )
    return redirect("people:person", pk=person.pk)


@role_required(HR)
@require_POST
def review_new_person_view(request, pk):
    entry = get_object_or_404(UnknownFace, pk=pk)
    form = NewPersonForm(request.POST, prefix="new")
    if not form.is_valid():
        return review_entry(request, pk, new_form=form, status=400)
    try:
        person = review_new_person(entry=entry, user=request.user, **form.cleaned_data)
    except ReviewRefused:
        return _already(request, pk)
    messages.success(
        request,
        _("%(name)s was added with this face as their first photo; a worker checks it like any enrollment photo.")
        % {"name": person.name},
    )
    return redirect("people:person", pk=person.pk)


@role_required(HR)
def review_visitor_view(request, pk):
    entry = get_object_or_404(_entries(), pk=pk)
    form = ReviewVisitorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                visitor = review_visitor(
                    entry=entry,
                    name=data["name"],
                    company=data["company"],
                    host=data["host"],
                    doors=data["doors"],
                    valid_from=data["valid_from"],
                    valid_until=form.valid_until,
                    user=request.user,
                    any_door=has_role(request.user, SECURITY),
                )
            except ReviewRefused:
                return _already(request, pk)
            except VisitorRefused as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                messages.success(
                    request, _("%(name)s is registered as a visitor with this face.") % {"name": visitor.name}
                )
                return redirect("review")
        else:
            status = 400
    return render(request, "review/visitor.html", {"entry": entry, "form": form}, status=status)


@role_required(HR)
@require_POST
def review_dismiss_view(request, pk):
    entry = get_object_or_404(UnknownFace, pk=pk)
    try:
        review_dismiss(entry=entry, user=request.user)
    except ReviewRefused:
        return _already(request, pk)
    messages.success(request, _("The face was dismissed."))
    return redirect("review")


@role_required(HR)
@require_GET
def media_review(request, pk):
    return picture_response(get_object_or_404(UnknownFace.objects.only("picture"), pk=pk).picture)
