"""What a new organization sets first (issue 25, item 11): its name and time zone, and a first-day checklist."""

import io
from datetime import UTC, datetime

import pypdf
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from portal.accounts.roles import ADMIN, HR, VIEWER
from portal.attendance.services import attendance_event_record
from portal.people.models import Department
from tests.factories import make_person, make_user
from tests.portal.reports.conftest import week  # noqa: F401 - the crafted week of two people

pytestmark = pytest.mark.django_db


def signed_in(client, role):
    name = f"user-{role}"
    client.force_login(User.objects.filter(username=name).first() or make_user(name, role=role))
    return client


def test_the_organization_s_name_is_set_on_its_page_and_printed_in_the_header_and_the_pdfs(client, week):  # noqa: F811
    admin = signed_in(client, ADMIN)
    response = admin.post(reverse("org-settings"), {"name": "Acme Widgets 北京"})
    assert response.status_code == 302
    page = admin.get(reverse("home")).content.decode()
    assert 'class="brand"' in page and "Acme Widgets 北京</a>" in page
    export = admin.get(reverse("report-export", args=["pdf"]), {"date_from": "2026-03-02", "date_to": "2026-03-08"})
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(b"".join(export.streaming_content))).pages]
    assert all("Acme Widgets 北京" in p for p in pages)
    monthly = admin.get(reverse("reports-monthly-export", args=["pdf"]), {"month": "2026-03"})
    text = pypdf.PdfReader(io.BytesIO(b"".join(monthly.streaming_content))).pages[0].extract_text()
    assert "Acme Widgets 北京" in text
    # HR may not change it
    assert signed_in(client, HR).post(reverse("org-settings"), {"name": "x"}).status_code == 403


def test_the_time_zone_is_shown_in_the_header_and_utc_left_as_default_is_pointed_out(client, settings):
    admin = signed_in(client, ADMIN)
    page = admin.get(reverse("org-settings")).content.decode()
    assert '<span class="time-zone muted"' in page and ">UTC</span>" in page
    assert "UTC is the default, not a choice" in page
    settings.TIME_ZONE = "Asia/Shanghai"
    page = admin.get(reverse("org-settings")).content.decode()
    assert ">Asia/Shanghai</span>" in page and "<strong>Asia/Shanghai</strong>" in page
    assert "UTC is the default" not in page


def test_an_empty_dashboard_shows_the_first_day_checklist_until_the_first_check_in(client):
    admin = signed_in(client, ADMIN)
    page = admin.get(reverse("home")).content.decode()
    assert 'id="first-day"' in page and page.count("☐") == 6 and "☑" not in page
    for name in ("org-settings", "org-departments", "people:directory", "attendance-calendar", "org-kiosks"):
        assert reverse(name) in page
    Department.objects.create(name="Sales")
    admin.post(reverse("org-settings"), {"name": "Acme"})
    page = admin.get(reverse("home")).content.decode()
    assert page.count("☑") == 2 and page.count("☐") == 4
    # HR sees the steps HR takes; a viewer none
    hr_page = signed_in(client, HR).get(reverse("home")).content.decode()
    assert 'id="first-day"' in hr_page and reverse("org-kiosks") not in hr_page
    assert 'id="first-day"' not in signed_in(client, VIEWER).get(reverse("home")).content.decode()
    # the first check-in: the portal is in use, the list goes
    attendance_event_record(
        person=make_person(), at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), source="manual", direction="in"
    )
    assert 'id="first-day"' not in signed_in(client, ADMIN).get(reverse("home")).content.decode()
