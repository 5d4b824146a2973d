"""A NUL byte in any field of any endpoint answers 4xx (JSON under the APIs), never 500 nor accepted.

Issue 21: a NUL in the kiosk's `client_id` and the badge's `employee_id` gave 500 (an HTML page under
/kiosk/api/), and one after the time in the API's event `at` was accepted. Every URL of the project
(the role matrix's walk) gets NUL in its query, in form fields and in a JSON body, from an admin's
session and with a kiosk's token.
"""

import json

import pytest

from tests.factories import make_user
from tests.portal.kiosks.kiosk_helpers import auth, paired_kiosk
from tests.portal.test_role_matrix import project_urls

pytestmark = pytest.mark.django_db

FIELDS = ["client_id", "employee_id", "pin", "at", "name", "code", "url", "q", "direction", "reason", "note"]


def nul_values():
    return {field: f"a\x00{field}" for field in FIELDS}


def refused(response, url):
    assert 400 <= response.status_code < 500, (url, response.status_code)
    if url.startswith(("/api/", "/kiosk/api/")):
        assert response["Content-Type"].startswith("application/json"), url
        error = response.json()["error"]
        assert (error["code"] if url.startswith("/api/") else error) == "bad_request", url


@pytest.fixture
def kiosk_token():
    return paired_kiosk()[1]


def test_nul_in_any_field_of_any_endpoint_is_refused_with_a_4xx(client, kiosk_token):
    client.force_login(make_user("boss", superuser=True))
    headers = auth(kiosk_token)
    for _name, url in project_urls():
        extra = headers if url.startswith("/kiosk/") else {}
        refused(client.get(url, {"q": "x\x00"}, **extra), url)
        refused(client.post(url, nul_values(), **extra), url)
        refused(client.post(url, json.dumps(nul_values()), content_type="application/json", **extra), url)
        for field in FIELDS:
            # one field alone, the others clean: no endpoint lets one through because another failed first
            body = {name: "clean" for name in FIELDS} | {field: "x\x00"}
            refused(client.post(url, body, **extra), url)


def test_the_kiosk_client_id_and_badge_employee_id_of_the_attack_answer_json(client, kiosk_token):
    refused(client.post("/kiosk/api/captures", {"client_id": "abc\x00"}, **auth(kiosk_token)), "/kiosk/api/captures")
    refused(client.post("/kiosk/api/badge", {"employee_id": "17\x00", "pin": "1"}, **auth(kiosk_token)), "/kiosk/api/")


def test_a_nul_after_the_time_of_an_api_event_is_refused_not_cut(client):
    client.force_login(make_user("boss", superuser=True))
    body = json.dumps({"person": 1, "at": "2026-03-02T09:00:00\u0000junk", "direction": "in"})
    refused(
        client.post("/api/v1/attendance/events/", body, content_type="application/json"), "/api/v1/attendance/events/"
    )
