"""Accounts: invitations (HR), the code an invitee types, forgotten passwords,
managers of departments, notifications and the e-mail outbox."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.roles import ADMIN, EMPLOYEE, HR, role_required
from portal.employees import mail, services
from portal.employees.forms import METHOD_CODE, CodeForm, ForgotForm, InviteForm, ManagerForm
from portal.employees.models import DepartmentManager, Notification
from portal.employees.selectors import account_rows
from portal.people.models import Department

# --- signing up and in ------------------------------------------------------------


class ForgotView(auth_views.PasswordResetView):
    form_class = ForgotForm
    template_name = "registration/password_forgot.html"
    success_url = reverse_lazy("password-forgot-done")


password_forgot = ForgotView.as_view()
password_forgot_done = auth_views.PasswordResetDoneView.as_view(template_name="registration/password_forgot_done.html")


def invitation_code(request):
    """The invitee types the printed code and goes on to choose a password."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return redirect(services.invitation_code_redeem(code=form.cleaned_data["code"]))
        except services.AccountRefused as exc:
            form.add_error("code", exc.message)
    return render(request, "registration/invitation_code.html", {"form": form}, status=400 if form.errors else 200)


# --- HR: accounts and managers -------------------------------------------------------


@role_required(HR)
def accounts(request):
    department = Department.objects.filter(pk=request.GET.get("department") or None).first()
    query = request.GET.get("q", "").strip()
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            return _invite(request, form)
        status = 400
    context = {
        "rows": account_rows(department=department, query=query),
        "departments": Department.objects.order_by("name"),
        "department": department,
        "query": query,
        "form": form,
    }
    return render(request, "employees/accounts.html", context, status=status)


def _invite(request, form):
    invited, codes, refused = 0, [], []
    for person in form.cleaned_data["people"]:
        try:
            if form.cleaned_data["method"] == METHOD_CODE:
                user, code = services.employee_invite_code(person=person, invited_by=request.user)
                codes.append((person, user, code))
            else:
                email = request.POST.get(f"email-{person.pk}", "")
                services.employee_invite_email(person=person, email=email, invited_by=request.user, request=request)
                invited += 1
        except services.AccountRefused as exc:
            refused.append(exc.message)
    for message in refused:
        messages.error(request, message)
    if codes:
        return render(
            request, "employees/codes.html", {"codes": codes, "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
        )
    if invited:
        messages.info(
            request, ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", invited) % {"count": invited}
        )
    return redirect("employees-accounts")


@role_required(HR)
def managers(request):
    form = ManagerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.manager_add(**form.cleaned_data)
            messages.info(
                request,
                _("%(name)s manages %(department)s.")
                % {"name": form.cleaned_data["person"].name, "department": form.cleaned_data["department"].name},
            )
            return redirect("employees-managers")
        except services.AccountRefused as exc:
            form.add_error("person", exc.message)
    rows = DepartmentManager.objects.select_related("department", "person").order_by("department__name", "person__name")
    return render(request, "employees/managers.html", {"form": form, "rows": rows}, status=400 if form.errors else 200)


@role_required(HR)
@require_POST
def manager_remove(request, pk):
    row = get_object_or_404(DepartmentManager, pk=pk)
    services.manager_remove(department=row.department, person=row.person)
    messages.info(
        request,
        _("%(name)s no longer manages %(department)s.") % {"name": row.person.name, "department": row.department.name},
    )
    return redirect("employees-managers")


# --- notifications and the outbox ------------------------------------------------------


@role_required(EMPLOYEE)
@require_GET
def notifications(request):
    items = list(Notification.objects.filter(user=request.user)[:100])
    return render(request, "employees/notifications.html", {"items": items})


@role_required(EMPLOYEE)
@require_POST
def notifications_read(request):
    ids = request.POST.getlist("id")
    services.notifications_read(user=request.user, ids=[int(i) for i in ids if i.isdigit()] or None)
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "notifications")


@role_required(ADMIN)
@require_GET
def outbox(request):
    smtp = bool(settings.EMAIL_HOST)
    context = {
        "smtp": smtp,
        "host": settings.EMAIL_HOST,
        "folder": settings.EMAIL_FILE_PATH,
        "items": [] if smtp else mail.outbox_messages(),
    }
    return render(request, "employees/outbox.html", context)
