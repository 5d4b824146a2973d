"""Security's setup pages: zones, doors, levels (a weekly grid), groups, readers and badge PINs,
with "Who may pass?" beside them. The Django admin stays for superusers only."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access.forms import ExplainForm
from portal.access.models import AccessGroup, AccessLevel, BadgePin, Door, Zone
from portal.access.setup import badge_pin_give, badge_pin_remove, reader_attach, setup_save
from portal.access.setup_forms import DoorForm, GroupForm, LevelForm, PinForm, ReaderForm, ZoneForm
from portal.accounts.roles import SECURITY, role_required
from portal.kiosks.models import Kiosk
from portal.people.models import Person


@role_required(SECURITY)
def setup(request):
    """Everything a door needs, in the order it is set up."""
    context = {
        "zones": Zone.objects.annotate(door_count=Count("doors")),
        "doors": Door.objects.select_related("zone", "unlock_schedule").prefetch_related("kiosks"),
        "levels": AccessLevel.objects.prefetch_related("doors", "zones", "windows"),
        "groups": AccessGroup.objects.annotate(
            people_count=Count("people", distinct=True), department_count=Count("departments", distinct=True)
        ).prefetch_related("levels"),
        "readers": Kiosk.objects.filter(revoked_at=None, door__isnull=False).select_related("door"),
        "pin_count": BadgePin.objects.count(),
        "explain_form": ExplainForm(),
    }
    return render(request, "access/setup.html", context)


# what each kind of thing is called on its page, and its form
KINDS = {
    "zone": (Zone, ZoneForm),
    "door": (Door, DoorForm),
    "level": (AccessLevel, LevelForm),
    "group": (AccessGroup, GroupForm),
}


def _edit(request, kind, pk=None):
    model, form_class = KINDS[kind]
    instance = get_object_or_404(model, pk=pk) if pk is not None else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            saved = setup_save(form=form, user=request.user)
            messages.info(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("access-setup")
        status = 400
    else:
        status = 200
    template = "access/level_form.html" if kind == "level" else "access/setup_form.html"
    context = {"form": form, "kind": kind, "instance": instance, "title": _title(kind, instance)}
    return render(request, template, context, status=status)


def _title(kind, instance):
    if instance is not None:
        return instance.name
    return {
        "zone": _("New zone"),
        "door": _("New door"),
        "level": _("New access level"),
        "group": _("New access group"),
    }[kind]


@role_required(SECURITY)
def zone_edit(request, pk=None):
    return _edit(request, "zone", pk)


@role_required(SECURITY)
def door_edit(request, pk=None):
    return _edit(request, "door", pk)


@role_required(SECURITY)
def level_edit(request, pk=None):
    return _edit(request, "level", pk)


@role_required(SECURITY)
def group_edit(request, pk=None):
    return _edit(request, "group", pk)


@role_required(SECURITY)
def readers(request):
    """Every paired kiosk and the door it reads for: entry or exit reader, or attendance only."""
    kiosks = Kiosk.objects.filter(revoked_at=None).select_related("door")
    rows = [(kiosk, ReaderForm(instance=kiosk, prefix=f"k{kiosk.pk}")) for kiosk in kiosks]
    return render(request, "access/readers.html", {"rows": rows})


@role_required(SECURITY)
@require_POST
def reader(request, pk):
    kiosk = get_object_or_404(Kiosk, pk=pk, revoked_at=None)
    form = ReaderForm(request.POST, instance=kiosk, prefix=f"k{kiosk.pk}")
    if not form.is_valid():
        rows = [(k, form if k.pk == kiosk.pk else ReaderForm(instance=k, prefix=f"k{k.pk}")) for k in
                Kiosk.objects.filter(revoked_at=None).select_related("door")]  # fmt: skip
        return render(request, "access/readers.html", {"rows": rows}, status=400)
    kiosk = reader_attach(form=form, user=request.user)
    if kiosk.door_id:
        messages.info(request, _("%(kiosk)s reads for %(door)s.") % {"kiosk": kiosk.name, "door": kiosk.door.name})
    else:
        messages.info(request, _("%(kiosk)s reads for no door (attendance only).") % {"kiosk": kiosk.name})
    return redirect("access-readers")


@role_required(SECURITY)
def pins(request):
    """Badge PINs for doors in "face, or badge and PIN" mode: give or change one, remove one."""
    form = PinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        badge_pin_give(person=person, pin=form.cleaned_data["pin"], user=request.user)
        messages.info(request, _("%(name)s has a new PIN.") % {"name": person.name})
        return redirect("access-pins")
    holders = BadgePin.objects.select_related("person").order_by("person__sort_key", "person__name")
    pin_doors = Door.objects.filter(mode=Door.Mode.FACE_OR_BADGE_PIN)
    status = 400 if form.is_bound else 200
    return render(
        request, "access/pins.html", {"form": form, "holders": holders, "pin_doors": pin_doors}, status=status
    )


@role_required(SECURITY)
@require_POST
def pin_remove(request, pk):
    person = get_object_or_404(Person, pk=pk)
    if badge_pin_remove(person=person, user=request.user):
        messages.info(request, _("The PIN of %(name)s is removed.") % {"name": person.name})
    return redirect("access-pins")
