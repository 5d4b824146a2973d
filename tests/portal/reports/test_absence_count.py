"""The dashboard and the reports count today's absences alike (issue 25, 6): the report said
"0 absent" until the day was closed while the dashboard said everyone late past the grace was absent."""

import re
from datetime import time

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import HR
from portal.attendance.models import DailySummary, Schedule
from portal.attendance.services import attendance_absences_mark, attendance_event_record
from portal.reports.selectors import dashboard_today
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def started_day():
    """Every day a working day that has already started (from midnight, no grace)."""
    Schedule.objects.filter(is_default=True).update(
        working_days=[1, 2, 3, 4, 5, 6, 7], start=time(0), end=time(23, 59), grace_minutes=0
    )


def test_the_daily_report_counts_the_absences_the_dashboard_shows(client, started_day):
    make_person("Ana Staff", employee_id="e1")
    make_person("Bo Staff", employee_id="e2")
    present = make_person("Cy Staff", employee_id="e3")
    attendance_event_record(person=present, at=timezone.now(), source="manual", direction="in")
    assert dashboard_today().absent == 2
    client.force_login(make_user("hanna", role=HR))
    today = timezone.localdate().isoformat()
    page = client.get(reverse("reports"), {"date_from": today, "date_to": today}).content.decode()
    assert re.search(r"1 present, 2 absent", page), page[-3000:]
    assert dashboard_today().absent == 2


def test_marking_absences_twice_writes_them_once_and_a_check_in_turns_one_present(started_day):
    ana = make_person("Ana Staff", employee_id="e1")
    assert attendance_absences_mark() == 1 and attendance_absences_mark() == 0
    assert DailySummary.objects.get(person=ana).absent
    attendance_event_record(person=ana, at=timezone.now(), source="manual", direction="in")
    summary = DailySummary.objects.get(person=ana)
    assert (summary.absent, summary.event_count) == (False, 1)


def test_marking_absences_asks_the_database_per_shift_not_per_person(started_day, django_assert_max_num_queries):
    for n in range(25):
        make_person(f"Person {n}", employee_id=f"p{n}")
    with django_assert_max_num_queries(5):  # schedules, calendar, the missing people, the insert
        assert attendance_absences_mark() == 25
    with django_assert_max_num_queries(5):
        assert attendance_absences_mark() == 0
