"""The requests API: my own requests and days, decisions, and nobody else's data."""

import pytest
from django.urls import reverse

from portal.accounts.roles import HR
from portal.api.services import api_token_create
from portal.people.models import Department
from portal.requests.models import ApprovalFlow, LeaveEntitlement, LeaveType, Request
from tests.factories import make_employee, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    sales = Department.objects.create(name="Sales")
    _, ana = make_employee("Ana Employee", department="Sales")
    _, boss = make_employee("Bo Boss", department="Sales", manager_of=sales)
    _, eve = make_employee("Eve Elsewhere", department="Ops")
    LeaveEntitlement.objects.create(
        leave_type=LeaveType.objects.get(code="annual"), year=2026, department=sales, days=1
    )
    ApprovalFlow.objects.filter(kind="leave").update(flow="manager")
    return {"ana": ana, "boss": boss, "eve": eve}


def test_an_employee_asks_for_leave_and_the_manager_approves_it_through_the_api(client, people):
    client.force_login(people["ana"])
    body = {"leave_type": "annual", "unit": "days", "start_day": "2026-03-02", "reason": "family"}
    created = client.post(reverse("api:me-leave"), body, content_type="application/json")
    assert (
        created.status_code == 201 and created.json()["days"] == "1.00" and created.json()["waiting_for"] == "manager"
    )
    # the balance is used up by the pending day: a second one is refused with the numbers
    again = client.post(reverse("api:me-leave"), {**body, "start_day": "2026-03-03"}, content_type="application/json")
    assert again.status_code == 409 and "0 remain" in again.json()["error"]["message"]
    pk = created.json()["id"]
    client.force_login(people["boss"])
    waiting = client.get(reverse("api:request-list") + "?waiting_for_me=true").json()
    assert [r["id"] for r in waiting["results"]] == [pk]
    approved = client.post(
        reverse("api:request-approve", args=[pk]), {"comment": "ok"}, content_type="application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    client.force_login(people["ana"])
    days = client.get(reverse("api:me-days") + "?month=2026-03").json()
    assert [d["status"] for d in days if d["day"] == "2026-03-02"] == ["on leave"]


def test_another_employee_gets_403_on_every_request_route(client, people):
    client.force_login(people["ana"])
    body = {"at": "2026-03-02T09:00:00Z", "direction": "in", "reason": "badge"}
    pk = client.post(reverse("api:me-missed-punch"), body, content_type="application/json").json()["id"]
    client.force_login(people["eve"])
    assert client.get(reverse("api:request-detail", args=[pk])).status_code == 403
    for name in ["api:request-approve", "api:request-reject", "api:request-withdraw"]:
        response = client.post(reverse(name, args=[pk]), {"comment": "x"}, content_type="application/json")
        assert response.status_code == 403, name
    assert client.get(reverse("api:request-list")).json()["results"] == []
    assert Request.objects.get().status == "pending"


def test_an_integration_token_cannot_act_as_a_person(client, people):
    _, key = api_token_create(name="hr-bot", role=HR, created_by=make_user("admin", superuser=True))
    response = client.get(reverse("api:me-requests"), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
