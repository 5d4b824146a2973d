"""Requests: an employee's own (new, list, detail, withdraw), a manager's and
HR's lists with bulk approval, and HR's settings (steps, leave types, entitlements)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.roles import EMPLOYEE, HR, MANAGER, role_required
from portal.core.files import file_response
from portal.employees.access import employee_required
from portal.requests import services
from portal.requests.forms import FORMS, EntitlementForm, FilterForm, FlowForm, LeaveTypeForm
from portal.requests.models import Kind, LeaveEntitlement, LeaveType, Request
from portal.requests.selectors import leave_balances, may_decide, requests_visible


def request_for(user, pk):
    """The request, if this user may read it: 404 if there is none, 403 if it is another's."""
    request = get_object_or_404(Request.objects.select_related("person", "leave_type"), pk=pk)
    if not requests_visible(user).filter(pk=pk).exists():
        raise PermissionDenied(_("This is another person's data."))
    return request


@employee_required
@require_GET
def my_requests(request):
    rows = Request.objects.filter(person=request.person).select_related("leave_type")[:200]
    year = timezone.localdate().year
    context = {"rows": rows, "balances": leave_balances(person=request.person, year=year), "year": year}
    return render(request, "requests/mine.html", context)


@employee_required
def request_new(request, kind):
    if kind not in Kind.values:
        raise Http404(_("No such kind of request."))
    form = FORMS[kind](request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = _submit(kind, form.cleaned_data, request)
        except services.RequestRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.info(request, _("Your request is sent for approval."))
            return redirect("request", pk=created.pk)
    context = {"form": form, "kind": kind, "kind_label": Kind(kind).label}
    return render(request, "requests/new.html", context, status=400 if form.errors else 200)


def _submit(kind, data, request):
    person, user = request.person, request.user
    if kind == Kind.MISSED_PUNCH:
        return services.request_missed_punch_submit(person=person, user=user, **data)
    if kind == Kind.OVERTIME:
        return services.request_overtime_submit(person=person, user=user, **data)
    return services.request_leave_submit(person=person, user=user, **data)


@role_required(EMPLOYEE)
@require_GET
def request_detail(request, pk):
    item = request_for(request.user, pk)
    mine = item.created_by_id == request.user.pk
    context = {
        "item": item,
        "actions": item.actions.all(),
        "may_decide": may_decide(request.user, item),
        "may_withdraw": mine and item.status in (Request.Status.PENDING, Request.Status.APPROVED),
    }
    return render(request, "requests/detail.html", context)


@role_required(EMPLOYEE)
@require_POST
def request_decide(request, pk):
    item = request_for(request.user, pk)
    comment = request.POST.get("comment", "")
    try:
        if request.POST.get("decision") == "reject":
            services.request_reject(request=item, user=request.user, comment=comment)
            messages.info(request, _("Rejected."))
        else:
            services.request_approve(request=item, user=request.user, comment=comment)
            messages.info(request, _("Approved."))
    except services.RequestRefused as exc:
        messages.error(request, exc.message)
        return redirect("request", pk=item.pk)
    return redirect("request", pk=item.pk)


@role_required(EMPLOYEE)
@require_POST
def request_withdraw(request, pk):
    item = request_for(request.user, pk)
    if item.created_by_id != request.user.pk:
        raise PermissionDenied(_("Only the person who asked may withdraw a request."))
    try:
        services.request_withdraw(request=item, user=request.user, comment=request.POST.get("comment", ""))
        messages.info(request, _("Withdrawn."))
    except services.RequestRefused as exc:
        messages.error(request, exc.message)
    return redirect("request", pk=item.pk)


@role_required(EMPLOYEE)
@require_GET
def request_attachment(request, pk):
    item = request_for(request.user, pk)
    # served like every stored upload: typed, nosniff, a PDF as a download, never a page
    return file_response(item.attachment, download_name=item.attachment_name or None)


# --- managers and HR ----------------------------------------------------------------------


@role_required(MANAGER)
def team_requests(request):
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        chosen = list(requests_visible(request.user).filter(pk__in=ids, status=Request.Status.PENDING))
        done, refused = services.requests_approve(
            requests=chosen, user=request.user, comment=request.POST.get("comment", "")
        )
        if done:
            messages.info(
                request,
                ngettext("%(count)d request approved.", "%(count)d requests approved.", len(done))
                % {"count": len(done)},
            )
        for text in refused:
            messages.error(request, text)
        if not ids:
            messages.error(request, _("Tick at least one request."))
        return redirect(request.get_full_path())
    form = FilterForm(request.GET or None)
    rows = requests_visible(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["kind"]:
            rows = rows.filter(kind=data["kind"])
        if data["department"]:
            rows = rows.filter(person__department=data["department"])
        if data["date_from"]:
            rows = rows.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            rows = rows.filter(created_at__date__lte=data["date_to"])
    rows = list(rows[:300])
    for row in rows:
        row.decidable = may_decide(request.user, row)
    return render(request, "requests/team.html", {"form": form, "rows": rows}, status=400 if form.errors else 200)


@role_required(HR)
def settings_page(request):
    flows = FlowForm(request.POST if request.POST.get("form") == "flows" else None)
    leave_type = LeaveTypeForm(request.POST if request.POST.get("form") == "type" else None)
    entitlement = EntitlementForm(request.POST if request.POST.get("form") == "entitlement" else None)
    if request.method == "POST":
        if flows.is_bound and flows.is_valid():
            for kind, flow in flows.cleaned_data.items():
                services.approval_flow_set(kind=kind, flow=flow)
            messages.info(request, _("Approval steps saved."))
            return redirect("requests-settings")
        if leave_type.is_bound and leave_type.is_valid():
            leave_type.save()
            messages.info(request, _("Leave type added."))
            return redirect("requests-settings")
        if entitlement.is_bound and entitlement.is_valid():
            data = entitlement.cleaned_data
            LeaveEntitlement.objects.update_or_create(
                leave_type=data["leave_type"],
                year=data["year"],
                department=data["department"],
                person=data["person"],
                defaults={"days": data["days"]},
            )
            messages.info(request, _("Entitlement saved."))
            return redirect("requests-settings")
    context = {
        "flows": flows,
        "type_form": leave_type,
        "entitlement_form": entitlement,
        "types": LeaveType.objects.all(),
        "entitlements": LeaveEntitlement.objects.select_related("leave_type", "department", "person").order_by(
            "-year", "leave_type_id"
        ),
    }
    failed = request.method == "POST"
    return render(request, "requests/settings.html", context, status=400 if failed else 200)
