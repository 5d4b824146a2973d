"""Requests through the pages: an employee asks, a manager decides, nobody reads another's."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.people.models import Department
from portal.requests.models import ApprovalFlow, LeaveEntitlement, LeaveType, Request
from tests import photos
from tests.factories import make_employee

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    sales = Department.objects.create(name="Sales")
    ana, ana_user = make_employee("Ana Employee", department="Sales")
    _, boss = make_employee("Bo Boss", department="Sales", manager_of=sales)
    _, stranger = make_employee("Eve Elsewhere", department="Ops")
    LeaveEntitlement.objects.create(leave_type=LeaveType.objects.get(code="sick"), year=2026, department=sales, days=10)
    ApprovalFlow.objects.filter(kind="leave").update(flow="manager")
    return {"ana": ana, "ana_user": ana_user, "boss": boss, "stranger": stranger}


def ask_sick_leave(client, attachment):
    return client.post(
        reverse("request-new", args=["leave"]),
        {
            "leave_type": LeaveType.objects.get(code="sick").pk,
            "unit": "days",
            "start_day": "2026-03-02",
            "end_day": "2026-03-03",
            "reason": "flu",
            "attachment": attachment,
        },
    )


def test_an_employee_asks_for_leave_with_a_doctors_note_and_the_manager_approves_it(client, people):
    client.force_login(people["ana_user"])
    note = SimpleUploadedFile("note.jpg", photos.read(photos.OBAMA))
    response = ask_sick_leave(client, note)
    request = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("request", args=[request.pk])
    assert request.days == 2 and request.attachment.name.endswith(".jpg")
    picture = client.get(reverse("request-attachment", args=[request.pk]))
    assert picture.status_code == 200 and picture["X-Content-Type-Options"] == "nosniff"
    client.force_login(people["boss"])
    listed = client.get(reverse("requests-team")).content.decode()
    assert "Ana Employee" in listed and f'value="{request.pk}"' in listed
    client.post(reverse("requests-team"), {"ids": [request.pk], "comment": "get well"})
    assert Request.objects.get().status == "approved"
    page = client.get(reverse("request", args=[request.pk])).content.decode()
    assert "get well" in page and "as manager" in page


def test_an_attachment_that_is_neither_a_pdf_nor_a_picture_is_refused_in_words(client, people):
    client.force_login(people["ana_user"])
    response = ask_sick_leave(client, SimpleUploadedFile("note.html", b"<script>alert(1)</script>" * 50))
    assert response.status_code == 400 and "Attach a PDF or a picture" in response.content.decode()
    assert not Request.objects.exists()


def test_a_pdf_note_is_served_as_a_download(client, people):
    client.force_login(people["ana_user"])
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    ask_sick_leave(client, SimpleUploadedFile("note.pdf", pdf))
    response = client.get(reverse("request-attachment", args=[Request.objects.get().pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


def test_another_employee_gets_403_on_every_address_of_a_request(client, people):
    client.force_login(people["ana_user"])
    ask_sick_leave(client, SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n"))
    pk = Request.objects.get().pk
    client.force_login(people["stranger"])
    for name in ["request", "request-attachment"]:
        assert client.get(reverse(name, args=[pk])).status_code == 403, name
    for name in ["request-decide", "request-withdraw"]:
        assert client.post(reverse(name, args=[pk]), {"decision": "approve"}).status_code == 403, name
    assert Request.objects.get().status == "pending"
    # the manager may read and decide, but not withdraw what they did not ask
    client.force_login(people["boss"])
    assert client.post(reverse("request-withdraw", args=[pk])).status_code == 403


def test_the_employee_cannot_approve_their_own_request_and_can_withdraw_it(client, people):
    client.force_login(people["ana_user"])
    client.post(
        reverse("request-new", args=["missed_punch"]),
        {"at": "2026-03-02T09:00", "direction": "in", "reason": "badge at home"},
    )
    request = Request.objects.get()
    client.post(reverse("request-decide", args=[request.pk]), {"decision": "approve"})
    assert Request.objects.get().status == "pending"
    client.post(reverse("request-withdraw", args=[request.pk]))
    assert Request.objects.get().status == "withdrawn"
    mine = client.get(reverse("requests-mine")).content.decode()
    assert "withdrawn" in mine


def test_my_month_shows_the_approved_leave(client, people):
    client.force_login(people["ana_user"])
    ask_sick_leave(client, SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n"))
    client.force_login(people["boss"])
    client.post(reverse("request-decide", args=[Request.objects.get().pk]), {"decision": "approve"})
    client.force_login(people["ana_user"])
    page = client.get(reverse("me") + "?month=2026-03").content.decode()
    assert "mark-leave" in page
    assert date(2026, 3, 2).strftime("%B") in page
