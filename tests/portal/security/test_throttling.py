"""Guessing is limited before authentication succeeds: passwords per account
and per address, API tokens, kiosk tokens and pairing codes per address."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.accounts.roles import ADMIN
from portal.api.services import api_token_create
from tests.factories import make_user
from tests.portal.kiosks.kiosk_helpers import auth, paired_kiosk

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-password-1"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    settings.SECRET_FAILURES_PER_ADDRESS = 10


def sign_in(client, username, password, url="login", address="198.51.100.7"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_account_is_paused_after_five_wrong_passwords_even_for_the_right_one(client):
    make_user("alice", role=ADMIN, password=PASSWORD)
    for _ in range(5):
        assert sign_in(client, "alice", "wrong").status_code == 200
    refused = sign_in(client, "alice", PASSWORD)
    assert refused.status_code == 200 and "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # from another address too: the account itself is paused
    assert "_auth_user_id" not in (sign_in(client, "alice", PASSWORD, address="203.0.113.9") and client.session)


def test_the_admin_sign_in_page_is_throttled_too(client):
    make_user("alice", role=ADMIN, password=PASSWORD)
    for _ in range(5):
        sign_in(client, "alice", "wrong", url="admin:login")
    refused = sign_in(client, "alice", PASSWORD, url="admin:login")
    assert "Too many failed sign-ins" in refused.content.decode() and "_auth_user_id" not in client.session


def test_one_address_trying_many_accounts_is_paused(client):
    make_user("bob", role=ADMIN, password=PASSWORD)
    for n in range(20):
        sign_in(client, f"user{n}", "wrong")
    assert "Too many failed sign-ins" in sign_in(client, "bob", PASSWORD).content.decode()
    assert sign_in(client, "bob", PASSWORD, address="203.0.113.9").status_code == 302  # another address


def test_a_good_sign_in_forgets_the_accounts_earlier_failures(client):
    make_user("carol", role=ADMIN, password=PASSWORD)
    for _ in range(4):
        sign_in(client, "carol", "wrong")
    assert sign_in(client, "carol", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "carol", "wrong")
    assert sign_in(client, "carol", PASSWORD).status_code == 302


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, settings):
    settings.TRUSTED_PROXIES = 1
    make_user("dave", role=ADMIN, password=PASSWORD)
    for n in range(20):
        client.post(
            reverse("login"),
            {"username": f"u{n}", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.7",  # the first part is the client's to forge
        )
    paused = client.post(
        reverse("login"),
        {"username": "dave", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert "Too many failed sign-ins" in paused.content.decode()


def test_wrong_api_tokens_are_limited_per_address_before_authentication(client):
    user = make_user("admin", superuser=True)
    _, key = api_token_create(name="integration", role=ADMIN, created_by=user)
    for _ in range(10):
        wrong = client.get("/api/v1/people/", HTTP_AUTHORIZATION="Bearer wrong-token", REMOTE_ADDR="198.51.100.7")
        assert wrong.status_code == 401
    throttled = client.get("/api/v1/people/", HTTP_AUTHORIZATION="Bearer wrong-token", REMOTE_ADDR="198.51.100.7")
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "throttled"
    assert "Retry-After" in throttled
    # the right token is let in even at that address: a guesser behind the same NAT locks nobody out
    assert (
        client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="198.51.100.7").status_code == 200
    )
    assert (
        client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="203.0.113.9").status_code == 200
    )


def test_pairing_codes_are_limited_per_address(client):
    for n in range(10):
        response = client.post(reverse("kiosk-api-pair"), {"code": f"WRONG{n:03d}"}, REMOTE_ADDR="198.51.100.7")
        assert response.status_code == 404
    throttled = client.post(reverse("kiosk-api-pair"), {"code": "ANYCODE1"}, REMOTE_ADDR="198.51.100.7")
    assert throttled.status_code == 429 and throttled["Retry-After"]
    page = client.get(reverse("kiosk-pair-code", args=["ABCDEFGH"]), REMOTE_ADDR="198.51.100.7")
    assert page.status_code == 429 and "Too many wrong pairing codes" in page.content.decode()


def test_wrong_kiosk_tokens_are_limited_per_address(client):
    _, token = paired_kiosk()
    for n in range(10):
        assert (
            client.get(reverse("kiosk-api-config"), **auth(f"guess-{n}"), REMOTE_ADDR="198.51.100.7").status_code == 401
        )
    assert client.get(reverse("kiosk-api-config"), **auth("guess-x"), REMOTE_ADDR="198.51.100.7").status_code == 429
    # a kiosk that authenticates correctly is not locked out by a guesser at the same address (issue 21)
    assert client.get(reverse("kiosk-api-config"), **auth(token), REMOTE_ADDR="198.51.100.7").status_code == 200
    assert client.get(reverse("kiosk-api-config"), **auth(token), REMOTE_ADDR="203.0.113.9").status_code == 200


def test_weak_passwords_are_refused_by_the_forms_and_by_ensure_admin(client, monkeypatch):
    from django.contrib.auth.forms import SetPasswordForm

    user = make_user("erin", role=ADMIN, password=PASSWORD)
    form = SetPasswordForm(user, {"new_password1": "1", "new_password2": "1"})
    assert not form.is_valid() and "too short" in str(form.errors)
    monkeypatch.setenv("ADMIN_PASSWORD", "1")
    with pytest.raises(CommandError, match="too weak"):
        call_command("ensure_admin")
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    monkeypatch.setenv("ADMIN_PASSWORD", "admin-password-for-tests")
    call_command("ensure_admin", verbosity=0)
    assert get_user_model().objects.filter(is_superuser=True).exists()
