"""Leave against the organization's own calendar (issue 22's crafted cases, end to end
through the services): a week over a weekend, a public holiday and a month boundary
takes only its working days, the balance counts them, and withdrawing the approved
leave gives the days and the balance back."""

from datetime import date
from decimal import Decimal

import pytest

from portal.attendance.models import CalendarDay, DailySummary
from portal.people.models import Department
from portal.reports.monthly import monthly_summary
from portal.requests.models import ApprovalFlow, LeaveEntitlement, LeaveType
from portal.requests.selectors import leave_balance
from portal.requests.services import RequestRefused, request_approve, request_leave_submit, request_withdraw
from tests.factories import make_employee

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    sales = Department.objects.create(name="Sales")
    person, user = make_employee("Ana Employee", department="Sales")
    _, boss = make_employee("Bo Boss", department="Sales", manager_of=sales)
    type(person).objects.filter(pk=person.pk).update(created_at="2026-01-01T00:00:00Z")
    person.refresh_from_db()
    CalendarDay.objects.create(day=date(2026, 10, 1), kind=CalendarDay.Kind.HOLIDAY, name="National Day")
    annual = LeaveType.objects.get(code="annual")
    LeaveEntitlement.objects.create(leave_type=annual, year=2026, department=sales, days=5)
    ApprovalFlow.objects.filter(kind="leave").update(flow="manager")
    return {"person": person, "user": user, "boss": boss, "annual": annual}


def ask(ana, start, end):
    return request_leave_submit(
        person=ana["person"],
        leave_type=ana["annual"],
        unit="days",
        start_day=start,
        end_day=end,
        reason="family",
        user=ana["user"],
    )


def leave_on(person, day):
    row = DailySummary.objects.filter(person=person, day=day).first()
    return row.leave_seconds if row else 0


def test_a_week_over_a_weekend_a_holiday_and_a_month_end_takes_its_four_working_days(ana):
    # Wed 30 Sep to Tue 6 Oct: Wed, (Thu 1 Oct the holiday), Fri, (Sat, Sun), Mon, Tue
    asked = ask(ana, date(2026, 9, 30), date(2026, 10, 6))
    assert asked.days == Decimal("4.00")
    request_approve(request=asked, user=ana["boss"])
    person = ana["person"]
    assert [leave_on(person, date(2026, 9, 30)), leave_on(person, date(2026, 10, 2))] == [8 * 3600] * 2
    assert leave_on(person, date(2026, 10, 1)) == 0 and leave_on(person, date(2026, 10, 3)) == 0
    # each month's summary counts its own part
    september = monthly_summary(first=date(2026, 9, 1), person=person).people[0].figures
    october = monthly_summary(first=date(2026, 10, 1), person=person).people[0].figures
    assert (september.leave_days, october.leave_days) == (1.0, 3.0)
    # the balance: 5 entitled, 4 used; two more days are refused with the numbers
    assert leave_balance(person=person, leave_type=ana["annual"], year=2026).remaining == Decimal(1)
    with pytest.raises(RequestRefused) as refused:
        ask(ana, date(2026, 10, 12), date(2026, 10, 13))
    assert "takes 2 days; 1 remain" in refused.value.message

    # withdrawn: the days are working days again and the balance is whole
    request_withdraw(request=asked, user=ana["user"])
    assert leave_on(person, date(2026, 9, 30)) == 0 and leave_on(person, date(2026, 10, 6)) == 0
    assert monthly_summary(first=date(2026, 10, 1), person=person).people[0].figures.leave_days == 0
    assert leave_balance(person=person, leave_type=ana["annual"], year=2026).remaining == Decimal(5)


def test_leave_on_the_holiday_alone_is_refused_as_needing_no_leave(ana):
    with pytest.raises(RequestRefused) as refused:
        ask(ana, date(2026, 10, 1), date(2026, 10, 1))
    assert "no working day" in refused.value.message
