"""Who may call the API: tokens with roles, browser sessions, and nobody else."""

import pytest
from rest_framework.test import APIClient

from portal.accounts.roles import ADMIN, HR, VIEWER
from portal.api.models import ApiToken
from portal.api.services import api_token_create, token_hash
from tests.factories import make_user
from tests.portal.api.conftest import error_of, token_client

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"


def test_no_credentials_is_a_401_asking_for_a_bearer_token(anonymous_api):
    response = anonymous_api.get("/api/v1/people/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer pat_not-a-real-token", "Bearer", "Token a b", "Bearer \u00e9t\u00e9"])
def test_a_wrong_or_malformed_token_is_a_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    response = client.get("/api/v1/people/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_an_admin_creates_a_token_whose_key_is_shown_once_and_stored_only_as_a_hash(admin_api):
    response = admin_api.post(TOKENS, {"name": "HR system sync", "role": HR}, format="json")
    assert response.status_code == 201
    created = response.json()
    key = created["key"]
    assert key.startswith("pat_") and len(key) > 40 and created["prefix"] == key[:12]
    token = ApiToken.objects.get(pk=created["id"])
    assert token.key_hash == token_hash(key) and key not in str(token.__dict__)
    listed = admin_api.get(TOKENS).json()["results"]
    assert all("key" not in row for row in listed)
    assert admin_api.get(f"{TOKENS}{token.pk}/").json().get("key") is None

    hr = APIClient()
    hr.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert hr.get("/api/v1/people/").status_code == 200
    assert hr.get(TOKENS).status_code == 403  # HR cannot manage tokens


def test_a_revoked_token_stops_working_at_once(admin_api):
    token, key = api_token_create(name="door", role=HR)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/people/").status_code == 200
    assert admin_api.delete(f"{TOKENS}{token.pk}/").status_code == 204
    assert client.get("/api/v1/people/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None and admin_api.get(f"{TOKENS}{token.pk}/").json()["active"] is False


def test_a_token_is_not_its_creator():
    """An HR token made by an admin has HR's rights, not the admin's."""
    admin = make_user("boss", superuser=True)
    _, key = api_token_create(name="sync", role=HR, created_by=admin)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(TOKENS).status_code == 403


@pytest.mark.parametrize(
    "role, people, tokens",
    [(ADMIN, 200, 200), (HR, 200, 403), (VIEWER, 403, 403), (None, 403, 403)],
)
def test_browser_sessions_have_the_roles_of_the_pages(client, role, people, tokens):
    client.force_login(make_user("someone", role=role))
    assert client.get("/api/v1/people/").status_code == people
    assert client.get(TOKENS).status_code == tokens


def test_a_session_write_needs_the_csrf_token():
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user("hr", role=HR))
    response = client.post("/api/v1/people/", {"name": "A", "employee_id": "1"}, format="json")
    assert response.status_code == 403 and "CSRF" in error_of(response)["message"]


def test_each_token_has_its_own_request_budget(settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "3/minute"}
    first, second = token_client(HR, "first"), token_client(HR, "second")
    assert [first.get("/api/v1/people/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = first.get("/api/v1/people/")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert error_of(throttled)["code"] == "throttled"
    assert second.get("/api/v1/people/").status_code == 200


@pytest.fixture(autouse=True)
def empty_throttle_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_unknown_api_addresses_answer_in_the_api_format(hr_api):
    response = hr_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_a_token_can_be_made_from_the_command_line(capsys):
    from django.core.management import call_command

    call_command("api_token", "create", "ci", "--role", "admin")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(TOKENS).status_code == 200


def test_an_admin_makes_a_token_in_the_admin_pages_and_sees_the_key_once(client):
    client.force_login(make_user("boss", superuser=True))
    response = client.post("/admin/api/apitoken/add/", {"name": "door controller", "role": HR}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    key = next(word for message in shown for word in message.split() if word.startswith("pat_"))
    token = ApiToken.objects.get()
    assert token.key_hash == token_hash(key) and token.role == HR and token.created_by.username == "boss"
    page = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert key not in page and token.prefix in page
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_hr_staff_do_not_see_tokens_in_the_admin_pages_or_the_token_page(client):
    client.force_login(make_user("hr", role=HR))
    # the Django admin is for superusers: its sign-in page for anyone else
    response = client.get("/admin/api/apitoken/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get("/org/tokens/").status_code == 403


def test_unknown_api_addresses_answer_any_method_without_a_csrf_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/v1/people/-5/photos/", {"x": "1"})
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = Client().get("/api/v1/attendance/events/a%0Ab/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_with_a_shared_redis_cache_the_budget_holds_across_processes(settings):
    """CACHE_URL: two web server processes see the same counts (here: two cache connections)."""
    import os

    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    # a database of its own: clearing the cache flushes it, and 15 is the end-to-end tests' broker
    url = os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/14")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/minute"}
    caches["default"].clear()
    try:
        client = token_client(HR, "shared")
        assert client.get("/api/v1/people/").status_code == 200
        other_process = RedisCache(url, {})  # a second connection, as another gunicorn worker has
        token = ApiToken.objects.get(name="shared")
        assert len(other_process.get(f"throttle_token_{token.pk}")) == 1
        assert client.get("/api/v1/people/").status_code == 200
        assert client.get("/api/v1/people/").status_code == 429
    finally:
        caches["default"].clear()
