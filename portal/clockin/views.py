"""Phone clock-in pages: HR sets up sites, networks and each department's policy;
an employee clocks in from their phone (the page talks to /api/v1/me/clock-in/)."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.roles import HR, role_required
from portal.clockin.forms import NetworkForm, PolicyForm, SiteForm
from portal.clockin.models import AllowedNetwork, PhonePolicy, Place, Site
from portal.clockin.services import policy_for
from portal.employees.access import employee_required
from portal.people.models import Department

# --- HR: where from, and who ------------------------------------------------------


def _policy_rows(data=None):
    """(key, label, form) for everyone else and each department."""
    policies = {p.department_id: p for p in PhonePolicy.objects.all()}
    scopes = [("default", _("Everyone else (no department, or a department without its own)"), None)]
    scopes += [(str(d.pk), d.name, d.pk) for d in Department.objects.order_by("name")]
    rows = []
    for key, label, department_id in scopes:
        policy = policies.get(department_id) or PhonePolicy(place=Place.OFF)
        initial = {"place": policy.place, "face_required": policy.face_required, "liveness": policy.liveness}
        rows.append((key, label, department_id, PolicyForm(data, prefix=f"p{key}", initial=initial)))
    return rows


@role_required(HR)
def clock_in_settings(request):
    site_form, network_form = SiteForm(prefix="site"), NetworkForm(prefix="network")
    rows = _policy_rows()
    status = 200
    if request.method == "POST":
        what = request.POST.get("what")
        if what == "site":
            site_form = SiteForm(request.POST, prefix="site")
            if site_form.is_valid():
                site = site_form.save()
                messages.info(request, _("Site %(name)s added.") % {"name": site.name})
                return redirect("clockin-settings")
        elif what == "network":
            network_form = NetworkForm(request.POST, prefix="network")
            if network_form.is_valid():
                network = network_form.save()
                messages.info(request, _("Network %(name)s added.") % {"name": network.name})
                return redirect("clockin-settings")
        elif what == "policies":
            rows = _policy_rows(request.POST)
            if all(form.is_valid() for *_, form in rows):
                with transaction.atomic():
                    for _key, _label, department_id, form in rows:
                        PhonePolicy.objects.update_or_create(department_id=department_id, defaults=form.cleaned_data)
                messages.info(request, _("Phone clock-in policies saved."))
                return redirect("clockin-settings")
        status = 400
    context = {
        "sites": Site.objects.all(),
        "networks": AllowedNetwork.objects.all(),
        "site_form": site_form,
        "network_form": network_form,
        "rows": rows,
    }
    return render(request, "clockin/settings.html", context, status=status)


@role_required(HR)
def site_edit(request, pk):
    site = get_object_or_404(Site, pk=pk)
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.info(request, _("Site %(name)s saved.") % {"name": site.name})
        return redirect("clockin-settings")
    return render(request, "clockin/site.html", {"form": form, "site": site}, status=400 if form.errors else 200)


@role_required(HR)
@require_POST
def site_delete(request, pk):
    site = get_object_or_404(Site, pk=pk)
    site.delete()
    messages.info(request, _("Site %(name)s removed.") % {"name": site.name})
    return redirect("clockin-settings")


@role_required(HR)
@require_POST
def network_delete(request, pk):
    network = get_object_or_404(AllowedNetwork, pk=pk)
    network.delete()
    messages.info(request, _("Network %(name)s removed.") % {"name": network.name})
    return redirect("clockin-settings")


# --- the employee's page ------------------------------------------------------------


@employee_required
@require_GET
def clock_in(request):
    policy = policy_for(request.person)
    context = {
        "policy": policy,
        "needs_location": policy.place in (Place.LOCATION, Place.EITHER),
        "frames": max(settings.KIOSK_FRAMES, 5) if policy.liveness else settings.KIOSK_FRAMES,
        "frame_interval_ms": 200 if policy.liveness else 120,
        "frame_width": settings.KIOSK_FRAME_WIDTH,
    }
    return render(request, "clockin/clock_in.html", context)
