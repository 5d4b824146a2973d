"""Visitors are Person rows (their face's identity) but never staff: not absent on the dashboard,
not in the monthly summary, the reports or the staff pickers, never given attendance (issue 25, 2)."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.access.models import Door, Visitor, Zone
from portal.accounts.roles import HR
from portal.attendance.models import AttendanceEvent, DailySummary, Schedule
from portal.attendance.services import attendance_days_close
from portal.people.models import Person
from portal.reports.monthly import monthly_summary
from portal.reports.selectors import dashboard_today
from portal.routing import sighting_route
from recognition.sightings import Sighting
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor():
    zone = Zone.objects.create(name="HQ")
    door = Door.objects.create(name="Lobby", zone=zone)
    person = Person.objects.create(name="Vera Visitor", employee_id="visitor-354d7a64655e")
    now = timezone.now()
    pass_ = Visitor.objects.create(
        name="Vera Visitor", person=person, valid_from=now - timedelta(hours=1), valid_until=now + timedelta(hours=3)
    )
    pass_.doors.set([door])
    return person


def _working_noon():
    """Noon of a recent weekday: every staff member is past their start and absent."""
    Schedule.objects.filter(is_default=True).update(working_days=[1, 2, 3, 4, 5, 6, 7], start=time(9), end=time(17))
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))


def test_a_visitor_is_not_absent_on_the_dashboard(visitor):
    staff = make_person("Ana Staff", employee_id="e1")
    Person.objects.filter(pk__in=[staff.pk, visitor.pk]).update(created_at=timezone.now() - timedelta(days=3))
    today = dashboard_today(now=_working_noon())
    assert today.absent == 1
    assert visitor not in [row[0] for row in today.rows]


def test_closing_days_writes_no_summary_for_a_visitor(visitor):
    make_person("Ana Staff", employee_id="e1")
    Person.objects.update(created_at=timezone.now() - timedelta(days=3))
    _working_noon()
    attendance_days_close(now=timezone.now() + timedelta(days=1))
    assert DailySummary.objects.filter(person__name="Ana Staff").exists()
    assert not DailySummary.objects.filter(person=visitor).exists()


def test_a_visitor_is_not_in_the_monthly_summary_nor_the_pickers(client, visitor):
    make_person("Ana Staff", employee_id="e1")
    names = [row.person.name for row in monthly_summary(first=timezone.localdate().replace(day=1)).people]
    assert names == ["Ana Staff"]
    client.force_login(make_user("hanna", role=HR))
    for url in [reverse("reports"), reverse("reports-monthly"), reverse("reports-timesheet")]:
        page = client.get(url).content.decode()
        assert "Ana Staff" in page and "Vera Visitor" not in page and "visitor-354d7a64655e" not in page, url


def test_a_visitor_recognized_at_a_plain_time_clock_gets_no_attendance(visitor):
    outcome = sighting_route(Sighting(person=visitor, at=timezone.now(), source="kiosk", record_attendance=True))
    assert outcome == {} and not AttendanceEvent.objects.filter(person=visitor).exists()
