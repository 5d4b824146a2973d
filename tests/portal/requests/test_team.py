"""My team: a manager reads their department's days and each person's month, approves
what waits for them in bulk, and reads nothing of another department (403)."""

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import HR
from portal.attendance.services import attendance_approved_set, attendance_event_record
from portal.people.models import Department
from portal.requests.models import ApprovalFlow, Request
from portal.requests.services import request_missed_punch_submit
from tests.factories import make_employee, make_user

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 2)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def team(client):
    sales = Department.objects.create(name="Sales")
    ana, ana_user = make_employee("Ana Early", department="Sales")
    ben, ben_user = make_employee("Ben Onleave", department="Sales")
    _, boss = make_employee("Bo Boss", department="Sales", manager_of=sales)
    eve, eve_user = make_employee("Eve Elsewhere", department="Ops")
    attendance_event_record(person=ana, at=at(MONDAY, 9, 12), source="upload")
    attendance_approved_set(person=ben, request_id=7, days=[(MONDAY, "Annual leave", 8 * 3600, 0)])
    ApprovalFlow.objects.filter(kind="missed_punch").update(flow="manager")
    asked = {
        who.name: request_missed_punch_submit(
            person=who, at=at(MONDAY, 18), direction="out", reason="forgot", user=user
        )
        for who, user in ((ana, ana_user), (eve, eve_user))
    }
    client.force_login(boss)
    return {"sales": sales, "ana": ana, "eve": eve, "asked": asked, "client": client}


def test_a_manager_reads_their_departments_day_and_nobody_elses(team):
    page = team["client"].get(reverse("team"), {"day": MONDAY.isoformat()}).content.decode()
    assert "Ana Early" in page and "late by 12 min" in page and "09:12" in page
    assert "Ben Onleave" in page and "Annual leave 8:00" in page and "on leave" in page
    assert "Eve Elsewhere" not in page
    # another department asked for by its id still shows only theirs
    ops = Department.objects.get(name="Ops")
    page = team["client"].get(reverse("team"), {"department": ops.pk}).content.decode()
    assert "Eve Elsewhere" not in page and "Sales" in page


def test_a_manager_opens_their_persons_month_and_gets_403_for_another_departments(team):
    client = team["client"]
    mine = client.get(reverse("team-person", args=[team["ana"].pk]), {"month": "2026-03"})
    assert mine.status_code == 200 and "Ana Early" in mine.content.decode()
    assert "mark-late" in mine.content.decode()
    assert client.get(reverse("team-person", args=[team["eve"].pk])).status_code == 403


def test_an_employee_gets_403_on_my_team_and_on_a_colleagues_month(team, client):
    client.force_login(team["ana"].account.user)
    assert client.get(reverse("team")).status_code == 403
    assert client.get(reverse("team-person", args=[team["ana"].pk])).status_code == 403


def test_bulk_approval_on_my_team_approves_only_what_waits_for_me(team):
    ana_request, eve_request = team["asked"]["Ana Early"], team["asked"]["Eve Elsewhere"]
    page = team["client"].get(reverse("team")).content.decode()
    assert f'value="{ana_request.pk}"' in page and f'value="{eve_request.pk}"' not in page
    response = team["client"].post(reverse("team"), {"ids": [ana_request.pk, eve_request.pk]}, follow=True)
    assert "1 request approved." in response.content.decode()
    assert Request.objects.get(pk=ana_request.pk).status == Request.Status.APPROVED
    assert Request.objects.get(pk=eve_request.pk).status == Request.Status.PENDING


def test_hr_picks_any_department(team, client):
    client.force_login(make_user("hr", role=HR))
    ops = Department.objects.get(name="Ops")
    page = client.get(reverse("team"), {"department": ops.pk, "day": MONDAY.isoformat()}).content.decode()
    assert "Eve Elsewhere" in page and "Ana Early" not in page
    assert client.get(reverse("team-person", args=[team["eve"].pk])).status_code == 200


def test_my_team_in_chinese(team):
    page = team["client"].get(reverse("team"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "My team" not in page and "Waiting for your approval" not in page
