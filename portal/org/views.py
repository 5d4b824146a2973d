"""The organization's own pages: departments, users and roles, kiosks, API
tokens. The Django admin stays for superusers (portal.accounts.admin_site)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.roles import ADMIN, HR, LABELS, role_required, user_role
from portal.api.models import ApiToken
from portal.api.services import api_token_create, api_token_revoke
from portal.core.files import file_response
from portal.kiosks.models import Kiosk
from portal.kiosks.selectors import kiosk_attempts
from portal.kiosks.services import KioskError, kiosk_pairing_create, kiosk_revoke
from portal.org import services
from portal.org.forms import DepartmentForm, InviteForm, KioskForm, OrganizationForm, TokenForm, UserForm
from portal.org.models import Organization
from portal.people.models import Department


@role_required(HR)
@require_GET
def overview(request):
    return render(request, "org/overview.html")


@role_required(ADMIN)
def organization_settings(request):
    """The organization's name and logo (headers, PDFs); the time zone it runs in, shown and explained."""
    organization, _created = Organization.objects.get_or_create(pk=1)
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        if form.cleaned_data["logo"]:
            services.organization_logo_set(organization=organization, png=form.cleaned_data["logo"])
        elif form.cleaned_data.get("remove_logo"):
            services.organization_logo_remove(organization=organization)
        messages.info(request, _("Saved."))
        return redirect("org-settings")
    context = {
        "form": form,
        "time_zone": settings.TIME_ZONE,
        "now": timezone.localtime(),
        # a portal left on UTC shows other times than the kiosks' clocks in any other zone
        "time_zone_unset": settings.TIME_ZONE == "UTC",
    }
    return render(request, "org/settings.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def organization_logo(request):
    """The logo for the header of every signed-in page (it shows nobody: any signed-in user)."""
    organization = Organization.objects.filter(pk=1).first()
    if organization is None:
        raise Http404(_("The file is not in storage."))
    # the address names the file (?v=): a new logo is a new address, so a day's caching is safe
    return file_response(organization.logo, cache="private, max-age=86400")


# --- departments (HR) ---------------------------------------------------------


@role_required(HR)
@require_GET
def departments(request):
    items = Department.objects.select_related("schedule").order_by("name")
    return render(request, "org/departments.html", {"departments": items})


@role_required(HR)
def department_edit(request, pk=None):
    department = get_object_or_404(Department, pk=pk) if pk else None
    form = DepartmentForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        saved = services.department_save(
            department=department, name=form.cleaned_data["name"], schedule=form.schedule()
        )
        if department is not None and form.schedule() is None:
            # back to the organization default
            from portal.attendance.models import Schedule

            Schedule.objects.filter(department=saved).delete()
        messages.info(request, _("Department %(name)s saved.") % {"name": saved.name})
        return redirect("org-departments")
    status = 400 if form.errors else 200
    return render(request, "org/department_form.html", {"form": form, "department": department}, status=status)


# --- users and roles (admins) -------------------------------------------------------


@role_required(ADMIN)
@require_GET
def users(request):
    items = list(get_user_model().objects.order_by("username").prefetch_related("groups"))
    for user in items:
        user.role = user_role(user) if user.is_active else None
        user.role_label = LABELS.get(user.role)
    return render(request, "org/users.html", {"users": items})


@role_required(ADMIN)
def user_invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, path = services.user_invite(**form.cleaned_data)
        return render(
            request,
            "org/password_link.html",
            {"person": user, "link": request.build_absolute_uri(path), "invited": True},
        )
    return render(request, "org/user_invite.html", {"form": form}, status=400 if form.errors else 200)


@role_required(ADMIN)
def user_edit(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    form = UserForm(request.POST or None, initial={"role": user_role(user) or ""})
    if request.method == "POST" and form.is_valid():
        if user == request.user and form.cleaned_data["role"] != ADMIN and not user.is_superuser:
            messages.error(request, _("You cannot take your own admin role away; ask another admin."))
        else:
            services.user_role_set(user=user, role=form.cleaned_data["role"])
            messages.info(request, _("The role of %(user)s is saved.") % {"user": user.get_username()})
        return redirect("org-user", pk=user.pk)
    return render(request, "org/user.html", {"person": user, "form": form})


@role_required(ADMIN)
@require_POST
def user_active(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    active = request.POST.get("active") == "1"
    if user == request.user and not active:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        services.user_set_active(user=user, active=active)
        text = _("%(user)s is active.") if active else _("%(user)s is deactivated: cannot sign in.")
        messages.info(request, text % {"user": user.get_username()})
    return redirect("org-user", pk=user.pk)


@role_required(ADMIN)
@require_POST
def user_password(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    path = services.user_password_reset(user=user)
    return render(request, "org/password_link.html", {"person": user, "link": request.build_absolute_uri(path)})


# --- kiosks (admins) -----------------------------------------------------------------


@role_required(ADMIN)
@require_GET
def kiosks(request):
    return render(request, "org/kiosks.html", {"kiosks": Kiosk.objects.all()})


@role_required(ADMIN)
def kiosk_new(request):
    form = KioskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kiosk = form.save()
        messages.info(request, _("Kiosk %(name)s added. Pair a browser with it next.") % {"name": kiosk.name})
        return redirect("org-kiosk", pk=kiosk.pk)
    return render(request, "org/kiosk_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(ADMIN)
def kiosk_detail(request, pk):
    """The kiosk, its settings, pairing and recent attempts; POST saves the settings."""
    kiosk = get_object_or_404(Kiosk, pk=pk)
    form = KioskForm(request.POST or None, instance=kiosk)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.info(request, _("Saved."))
        return redirect("org-kiosk", pk=kiosk.pk)
    context = {"kiosk": kiosk, "form": form, "attempts": kiosk_attempts(kiosk=kiosk)}
    return render(request, "org/kiosk.html", context, status=400 if form.errors else 200)


@role_required(ADMIN)
@require_POST
def kiosk_pair(request, pk):
    kiosk = get_object_or_404(Kiosk, pk=pk)
    try:
        pairing, code = kiosk_pairing_create(kiosk=kiosk, created_by=request.user)
    except KioskError as exc:
        messages.error(request, exc.message)
        return redirect("org-kiosk", pk=kiosk.pk)
    context = {
        "kiosk": kiosk,
        "code": f"{code[:4]}-{code[4:]}",
        "link": request.build_absolute_uri(reverse("kiosk-pair-code", args=[code])),
        "entry": request.build_absolute_uri(reverse("kiosk-pair")),
        "expires_at": pairing.expires_at,
    }
    return render(request, "org/kiosk_pair.html", context)


@role_required(ADMIN)
def kiosk_revoke_view(request, pk):
    kiosk = get_object_or_404(Kiosk, pk=pk)
    if request.method == "POST":
        kiosk_revoke(kiosk=kiosk)
        messages.info(
            request, _("%(name)s is revoked: its browser can no longer submit anything.") % {"name": kiosk.name}
        )
        return redirect("org-kiosk", pk=kiosk.pk)
    return render(request, "org/kiosk_revoke.html", {"kiosk": kiosk})


# --- API tokens (admins) ----------------------------------------------------------------


@role_required(ADMIN)
def tokens(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = api_token_create(created_by=request.user, **form.cleaned_data)
        return render(request, "org/token_new.html", {"token": token, "key": key})
    items = ApiToken.objects.select_related("created_by")
    return render(request, "org/tokens.html", {"tokens": items, "form": form}, status=400 if form.errors else 200)


@role_required(ADMIN)
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    api_token_revoke(token=token)
    messages.info(request, _("Token %(name)s is revoked.") % {"name": token.name})
    return redirect("org-tokens")
