"""My team: a manager's page. Their department's people on one day (status, in, out,
leave), each person's month as they see it themselves, and the requests waiting for
the manager, approved in bulk. HR, who may do what managers do, picks any department."""

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from portal.accounts.roles import HR, MANAGER, has_role, role_required
from portal.attendance.models import DailySummary
from portal.employees.access import person_checked
from portal.employees.me import month_first, person_month
from portal.employees.selectors import managed_departments, person_of
from portal.people.models import Department, Person
from portal.requests import services
from portal.requests.selectors import requests_waiting_for


def team_departments(user):
    """The departments whose days this user reads: HR every one, a manager theirs."""
    if has_role(user, HR):
        return Department.objects.order_by("name")
    return managed_departments(person_of(user)).order_by("name")


def _day(value):
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("bad day") from None


@role_required(MANAGER)
def team(request):
    departments = list(team_departments(request.user))
    chosen = next((d for d in departments if str(d.pk) == request.GET.get("department")), None)
    chosen = chosen or (departments[0] if departments else None)
    day = _day(request.GET.get("day"))
    waiting = [r for r in requests_waiting_for(request.user) if chosen and r.person.department_id == chosen.pk]
    if request.method == "POST":
        ids = {int(i) for i in request.POST.getlist("ids") if i.isdigit()}
        if not ids:
            messages.error(request, _("Tick at least one request."))
        done, refused = services.requests_approve(
            requests=[r for r in waiting if r.pk in ids], user=request.user, comment=request.POST.get("comment", "")
        )
        if done:
            messages.info(
                request,
                ngettext("%(count)d request approved.", "%(count)d requests approved.", len(done))
                % {"count": len(done)},
            )
        for text in refused:
            messages.error(request, text)
        return redirect(request.get_full_path())
    people = Person.objects.staff().filter(active=True, department=chosen) if chosen else []
    summaries = {s.person_id: s for s in DailySummary.objects.filter(person__in=people, day=day)}
    context = {
        "departments": departments,
        "department": chosen,
        "day": day,
        "rows": [(p, summaries.get(p.pk)) for p in people],
        "waiting": waiting,
    }
    return render(request, "requests/my_team.html", context)


@role_required(MANAGER)
@require_GET
def team_person(request, person_id):
    """One of my people's month: 403 for anyone outside the departments I manage."""
    person = person_checked(request.user, get_object_or_404(Person.objects.select_related("department"), pk=person_id))
    context = person_month(person=person, first=month_first(request.GET.get("month")))
    return render(request, "employees/me.html", {**context, "team_member": True})
