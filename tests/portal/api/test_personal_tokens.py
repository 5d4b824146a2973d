"""A person's own API token (issue 22, 6): an employee's sees only their own data, a
manager's their departments', and neither is what the user's groups allow."""

import pytest
from django.urls import reverse

from portal.accounts.roles import HR
from portal.api.models import PersonalToken
from portal.api.services import personal_token_create
from portal.people.models import Department
from portal.requests.models import ApprovalFlow, LeaveEntitlement, LeaveType, Request
from tests.factories import make_employee

pytestmark = pytest.mark.django_db
LEAVE = {"leave_type": "annual", "unit": "days", "start_day": "2026-03-02", "reason": "family"}


@pytest.fixture
def people():
    sales = Department.objects.create(name="Sales")
    _, ana = make_employee("Ana Employee", department="Sales")
    _, boss = make_employee("Bo Boss", department="Sales", manager_of=sales)
    _, eve = make_employee("Eve Elsewhere", department="Ops")
    annual = LeaveType.objects.get(code="annual")
    LeaveEntitlement.objects.create(leave_type=annual, year=2026, department=sales, days=5)
    ApprovalFlow.objects.filter(kind="leave").update(flow="manager")
    return {"ana": ana, "boss": boss, "eve": eve}


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {personal_token_create(user=user, name='phone')[1]}"}


def test_an_employee_makes_a_token_on_their_page_and_it_is_shown_once(client, people):
    client.force_login(people["ana"])
    page = client.post(reverse("me-tokens"), {"name": "my phone"}).content.decode()
    token = PersonalToken.objects.get(user=people["ana"])
    key = page.split('id="token-key">')[1].split("<")[0]
    assert key.startswith("ppt_") and key not in client.get(reverse("me-tokens")).content.decode()
    answer = client.get(reverse("api:me-requests"), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 200
    client.post(reverse("me-token-revoke", args=[token.pk]))
    client.logout()
    assert client.get(reverse("api:me-requests"), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_an_employees_token_reads_and_asks_for_themselves_only(client, people):
    ana, eve = bearer(people["ana"]), bearer(people["eve"])
    mine = client.post(reverse("api:me-leave"), LEAVE, content_type="application/json", **ana)
    assert mine.status_code == 201 and mine.json()["person"] == "Ana Employee"
    pk = mine.json()["id"]
    assert [r["id"] for r in client.get(reverse("api:request-list"), **ana).json()["results"]] == [pk]
    for name in ("api:request-detail", "api:request-approve", "api:request-reject", "api:request-withdraw"):
        method = client.get if name == "api:request-detail" else client.post
        assert method(reverse(name, args=[pk]), **eve).status_code == 403, name
    assert client.get(reverse("api:request-list"), **eve).json()["results"] == []
    # nothing of the integrations' API: people, attendance, reports
    for path in ("/api/v1/people/", "/api/v1/attendance/events/", "/api/v1/tokens/"):
        assert client.get(path, **ana).status_code == 403, path
    # nor another's token's pages: a personal token is not a session
    assert client.get(reverse("me"), **ana).status_code == 302


def test_a_managers_token_approves_their_departments_request(client, people):
    pk = client.post(reverse("api:me-leave"), LEAVE, content_type="application/json", **bearer(people["ana"])).json()[
        "id"
    ]
    boss = bearer(people["boss"])
    waiting = client.get(reverse("api:request-list") + "?waiting_for_me=true", **boss).json()["results"]
    assert [r["id"] for r in waiting] == [pk]
    assert client.post(reverse("api:request-approve", args=[pk]), **boss).status_code == 200
    assert Request.objects.get(pk=pk).status == Request.Status.APPROVED


def test_an_hr_managers_personal_token_is_not_an_hr_key(client, people):
    _, hana = make_employee("Hana HR", department="Ops")
    from django.contrib.auth.models import Group

    from portal.accounts.roles import GROUPS

    hana.groups.add(Group.objects.get(name=GROUPS[HR]))
    client.force_login(hana)
    assert client.get("/api/v1/people/").status_code == 200  # her session is HR's
    client.logout()
    pk = client.post(reverse("api:me-leave"), LEAVE, content_type="application/json", **bearer(people["ana"])).json()[
        "id"
    ]
    token = bearer(hana)
    assert client.get("/api/v1/people/", **token).status_code == 403
    assert client.get(reverse("api:request-detail", args=[pk]), **token).status_code == 403
    assert client.get(reverse("api:request-list"), **token).json()["results"] == []


def test_another_persons_token_cannot_be_revoked(client, people):
    token, _ = personal_token_create(user=people["eve"], name="eve's phone")
    client.force_login(people["ana"])
    assert client.post(reverse("me-token-revoke", args=[token.pk])).status_code == 404
    assert PersonalToken.objects.get(pk=token.pk).active
