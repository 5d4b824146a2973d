import pytest
from rest_framework.test import APIClient

from portal.accounts.roles import ADMIN, HR, VIEWER
from portal.api.services import api_token_create


def token_client(role, name=None):
    _, key = api_token_create(name=name or f"{role} integration", role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def admin_api(db):
    return token_client(ADMIN)


@pytest.fixture
def hr_api(db):
    return token_client(HR)


@pytest.fixture
def viewer_api(db):
    return token_client(VIEWER)


@pytest.fixture
def anonymous_api():
    return APIClient()


@pytest.fixture
def run_workers(django_capture_on_commit_callbacks):
    """Queued work runs (in-process, as eager Celery would) when the block ends."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def error_of(response):
    """The API's one error shape, checked on the way."""
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]
