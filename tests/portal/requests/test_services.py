"""Requests on crafted cases: approval steps, what approval changes, balances, withdrawal."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.accounts.roles import HR
from portal.attendance.models import AttendanceEvent, DailySummary, EventCorrection
from portal.attendance.services import attendance_event_record
from portal.employees.models import Notification
from portal.people.models import Department
from portal.requests.models import Action, ApprovalFlow, LeaveEntitlement, LeaveType, Request
from portal.requests.selectors import leave_balance
from portal.requests.services import (
    RequestRefused,
    request_approve,
    request_leave_submit,
    request_missed_punch_submit,
    request_reject,
    request_withdraw,
    requests_approve,
)
from tests.factories import make_employee, make_user

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def team():
    sales = Department.objects.create(name="Sales")
    employee, employee_user = make_employee("Ana Employee", department="Sales")
    boss, boss_user = make_employee("Bo Boss", department="Sales", manager_of=sales)
    hr = make_user("hr", role=HR)
    annual = LeaveType.objects.get(code="annual")
    LeaveEntitlement.objects.create(leave_type=annual, year=2026, department=sales, days=5)
    return {"sales": sales, "employee": employee, "user": employee_user, "boss": boss_user, "hr": hr, "annual": annual}


def leave(team, start, end=None, **extra):
    fields = {"unit": "days", "reason": "family", **extra}
    return request_leave_submit(
        person=team["employee"], leave_type=team["annual"], start_day=start, end_day=end, user=team["user"], **fields
    )


def test_approved_leave_makes_a_day_on_leave_not_absent_and_withdrawing_it_makes_it_absent_again(team):
    ApprovalFlow.objects.filter(kind="leave").update(flow="manager")
    request = leave(team, MONDAY)
    request_approve(request=request, user=team["boss"])
    day = DailySummary.objects.get(person=team["employee"], day=MONDAY)
    assert day.status == "on leave" and day.leave_type == "Annual leave" and not day.absent
    assert day.leave_seconds == 8 * 3600
    request_withdraw(request=request, user=team["user"])
    day.refresh_from_db()
    assert day.absent and not day.leave_seconds and day.status == "absent"
    assert [a.verb for a in Request.objects.get(pk=request.pk).actions.all()] == ["submitted", "approved", "withdrawn"]


def test_a_half_day_of_leave_in_the_morning_is_not_a_late_arrival(team):
    ApprovalFlow.objects.filter(kind="leave").update(flow="hr")
    request = leave(team, MONDAY, unit="half", half="am")
    request_approve(request=request, user=team["hr"])
    attendance_event_record(person=team["employee"], at=at(MONDAY, 13), source="kiosk", direction="in")
    day = DailySummary.objects.get(person=team["employee"], day=MONDAY)
    assert day.late_minutes == 0 and day.leave_seconds == 4 * 3600 and day.status == "present"
    assert leave_balance(person=team["employee"], leave_type=team["annual"], year=2026).used == Decimal("0.50")


def test_leave_beyond_the_balance_is_refused_with_the_numbers(team):
    leave(team, MONDAY, date(2026, 3, 4))  # 3 days pending
    with pytest.raises(RequestRefused) as refused:
        leave(team, date(2026, 3, 9), date(2026, 3, 11))  # 3 more: only 2 remain
    assert "takes 3 days; 2 remain" in refused.value.message
    assert "(5 entitled in 2026, 0 used, 3 waiting for approval)" in refused.value.message


def test_leave_across_a_month_boundary_marks_days_in_both_months(team):
    ApprovalFlow.objects.filter(kind="leave").update(flow="manager")
    request = leave(team, date(2026, 3, 31), date(2026, 4, 1))
    request_approve(request=request, user=team["boss"])
    days = DailySummary.objects.filter(person=team["employee"], leave_seconds__gt=0).values_list("day", flat=True)
    assert sorted(days) == [date(2026, 3, 31), date(2026, 4, 1)]


def test_two_managers_are_both_asked_either_decides_and_then_hr_takes_the_second_step(team):
    second, second_user = make_employee("Cy Second", department="Sales", manager_of=team["sales"])
    request = leave(team, MONDAY)
    asked = set(Notification.objects.filter(kind="request_waiting").values_list("user__username", flat=True))
    assert asked == {team["boss"].username, second_user.username}
    request_approve(request=request, user=second_user, comment="ok from me")
    with pytest.raises(RequestRefused):
        request_approve(request=request, user=team["boss"])  # the manager step is done: HR's turn
    request = request_approve(request=Request.objects.get(pk=request.pk), user=team["hr"])
    assert request.status == "approved"
    steps = [(a.verb, a.as_role, a.username, a.comment) for a in request.actions.all()]
    assert steps == [
        ("submitted", "", team["user"].username, ""),
        ("approved", "manager", second_user.username, "ok from me"),
        ("approved", "hr", "hr", ""),
    ]
    assert Notification.objects.filter(user=team["user"], kind="request_decided").exists()


def test_approved_missed_punch_becomes_an_event_whose_trail_names_the_request_and_the_approver(team):
    ApprovalFlow.objects.filter(kind="missed_punch").update(flow="manager")
    request = request_missed_punch_submit(
        person=team["employee"], at=at(MONDAY, 9), direction="in", reason="badge forgotten", user=team["user"]
    )
    request_approve(request=request, user=team["boss"])
    event = AttendanceEvent.objects.get(person=team["employee"])
    assert event.at == at(MONDAY, 9) and event.direction == "in"
    correction = EventCorrection.objects.get(event=event)
    assert f"#{request.pk}" in correction.reason and team["boss"].username in correction.reason
    assert correction.user == team["boss"]
    request_withdraw(request=Request.objects.get(pk=request.pk), user=team["user"])
    event.refresh_from_db()
    assert event.voided


def test_nobody_decides_their_own_request_or_another_departments(team):
    other_dept = Department.objects.create(name="Ops")
    _, other_boss = make_employee("Di Other", department="Ops", manager_of=other_dept)
    request = leave(team, MONDAY)
    for user in (team["user"], other_boss):
        with pytest.raises(RequestRefused):
            request_approve(request=request, user=user)
    with pytest.raises(RequestRefused):
        request_reject(request=request, user=team["boss"], comment="")  # a rejection says why
    request_reject(request=request, user=team["boss"], comment="busy week")
    assert Request.objects.get(pk=request.pk).status == "rejected"
    assert Action.objects.filter(request=request, verb="rejected", comment="busy week").exists()


def test_bulk_approval_approves_what_it_may_and_says_what_it_may_not(team):
    ApprovalFlow.objects.filter(kind="leave").update(flow="manager")
    first = leave(team, MONDAY)
    second = leave(team, date(2026, 3, 3))
    request_withdraw(request=second, user=team["user"])
    done, refused = requests_approve(requests=[first, Request.objects.get(pk=second.pk)], user=team["boss"])
    assert [r.pk for r in done] == [first.pk] and len(refused) == 1 and f"#{second.pk}" in refused[0]
