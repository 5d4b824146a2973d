"""Dashboard, reports and timesheet pages."""

from datetime import time, timedelta

import pytest
from django.urls import reverse

from portal.accounts.roles import HR, VIEWER
from portal.attendance.models import Schedule
from portal.attendance.services import attendance_event_record, daily_summary_recompute
from portal.reports.selectors import dashboard_today, presence_history
from tests.factories import make_person, make_user
from tests.portal.reports.conftest import MONDAY, summaries, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    client.force_login(make_user("vera", role=VIEWER))
    return client


def test_dashboard_counts_everyone_by_where_they_stand():
    ten = utc(MONDAY, "10:00")
    people = {name: make_person(name) for name in ["Early", "Late", "Gone", "Missing", "Later", "Weekender"]}
    later = people["Later"]
    Schedule.objects.create(name="Late start", person=later, start=time(11, 0), end=time(19, 0))
    Schedule.objects.create(name="Weekends", person=people["Weekender"], working_days=[6, 7])
    for name, clocks in {"Early": ["08:55"], "Late": ["09:10"], "Gone": ["08:00", "09:30"]}.items():
        for clock in clocks:
            attendance_event_record(person=people[name], at=utc(MONDAY, clock), source="upload")
        daily_summary_recompute(person=people[name], day=MONDAY, now=ten)  # as seen at ten
    today = dashboard_today(now=ten)
    counts = {key: getattr(today, key) for key in ["present", "checked_out", "late", "absent", "not_arrived", "off"]}
    assert counts == {"present": 2, "checked_out": 1, "late": 1, "absent": 1, "not_arrived": 1, "off": 1}
    assert sorted((p.name, state) for p, state, _ in today.rows) == [("Early", "in"), ("Gone", "out"), ("Late", "in")]
    assert today.arrivals == {8 * 60: 1, 8 * 60 + 45: 1, 9 * 60: 1}  # 08:00, 08:55, 09:10 by quarter hour


def test_the_dashboard_lists_the_latest_movements_and_counts_in_a_fixed_number_of_queries(
    django_assert_max_num_queries,
):
    ten = utc(MONDAY, "10:00")
    people = [make_person(f"Person {n}") for n in range(12)]
    for person in people[:8]:
        attendance_event_record(person=person, at=utc(MONDAY, "08:50"), source="upload")
        daily_summary_recompute(person=person, day=MONDAY, now=ten)
    with django_assert_max_num_queries(8):
        today = dashboard_today(now=ten, live_rows=3)
    assert (today.present, today.seen, today.absent) == (8, 8, 4)
    assert len(today.rows) == 3  # the latest three, not everyone


def test_presence_history_counts_scheduled_present_and_late_per_day(week):
    history = {day: rest for day, *rest in presence_history(now=utc(MONDAY + timedelta(days=7), "12:00"))}
    assert history[MONDAY] == [2, 2, 1]  # Obama 7 minutes late
    assert history[MONDAY + timedelta(days=2)] == [2, 1, 0]  # Biden absent
    assert history[MONDAY + timedelta(days=5)] == [0, 0, 0]  # Saturday


def test_presence_history_counts_a_day_once_and_again_when_the_day_or_the_staff_changes(week):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    obama, biden = week
    now = utc(MONDAY + timedelta(days=7), "12:00")
    first = presence_history(now=now)
    with CaptureQueriesContext(connection) as again:
        assert presence_history(now=now) == first
    counted = [q["sql"] for q in again if "COUNT" in q["sql"].upper() and "dailysummary" in q["sql"]]
    assert counted == []  # the month's summaries were not counted again: the cache answered
    wednesday = MONDAY + timedelta(days=2)
    # Biden's absence on Wednesday corrected by a late event: that day is counted again, and only it
    attendance_event_record(person=biden, at=utc(wednesday, "09:30"), source="upload")
    with CaptureQueriesContext(connection) as changed:
        history = {day: rest for day, *rest in presence_history(now=now)}
    assert history[wednesday] == [2, 2, 1] and history[MONDAY] == [2, 2, 1]
    [count] = [q["sql"] for q in changed if "COUNT" in q["sql"].upper() and "dailysummary" in q["sql"]]
    assert str(wednesday) in count and str(MONDAY) not in count
    # Obama leaves: every day is his colleagues' alone
    obama.active = False
    obama.save()
    history = {day: rest for day, *rest in presence_history(now=now)}
    assert history[MONDAY] == [1, 1, 0] and history[wednesday] == [1, 1, 1]


def test_dashboard_page_shows_counts_charts_and_refreshes_itself(viewer, week):
    page = viewer.get(reverse("home")).content.decode()
    assert "present now" in page and "not yet arrived" in page
    assert page.count("<svg") >= 1 and "js/dashboard.js" in page and reverse("dashboard-live") in page
    live = viewer.get(reverse("dashboard-live")).content.decode()
    assert "present now" in live and "<html" not in live


def test_reports_page_shows_the_filtered_summaries_and_their_totals(viewer, week):
    obama, _ = week
    page = viewer.get(reverse("reports"), {"date_from": "2026-03-02", "date_to": "2026-03-08"}).content.decode()
    assert "2 people" in page and "14 days" in page and "9 present, 1 absent" in page
    rows = list(summaries())
    hours = sum(s.worked_seconds for s in rows) // 60
    assert f"{hours // 60}:{hours % 60:02d}" in page
    assert reverse("report-export", args=["xlsx"]) + "?date_from=2026-03-02" in page
    assert "/attendance/day/" not in page  # a viewer cannot correct
    one = viewer.get(reverse("reports"), {"date_from": "2026-03-02", "date_to": "2026-03-08", "person": obama.pk})
    assert "Joe Biden" not in one.content.decode().split("<table")[1]


def test_reports_link_each_day_to_its_page_for_hr(client, week):
    client.force_login(make_user("hanna", role=HR))
    page = client.get(reverse("reports"), {"date_from": "2026-03-02", "date_to": "2026-03-02"}).content.decode()
    assert reverse("attendance-day", args=[week[0].pk, "2026-03-02"]) in page


def test_reports_page_explains_a_bad_range(viewer):
    response = viewer.get(reverse("reports"), {"date_from": "2026-03-09", "date_to": "2026-03-01"})
    assert response.status_code == 400 and "The start date is after the end date" in response.content.decode()


def test_monthly_timesheet_has_one_row_per_day_and_exports_the_same(viewer, week):
    obama, _ = week
    page = viewer.get(reverse("reports-timesheet"), {"person": obama.pk, "month": "2026-03"}).content.decode()
    assert page.count("<tr>") == 1 + 7  # header + the seven summarized days
    assert "2026-03-01 to 2026-03-31, Barack Obama" in page
    assert f"person={obama.pk}" in page and "date_to=2026-03-31" in page
    assert viewer.get(reverse("reports-timesheet"), {"person": obama.pk, "month": "2026-13"}).status_code == 400
