"""The language switcher and the sign-in never send a browser off-site, whatever `next` says (issue 21
found that they accept any `next` without complaint but stay on the site: keep it so)."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from portal.accounts.roles import VIEWER
from tests.factories import make_user

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "http:///evil.example",
    " //evil.example",
    "/%2F/evil.example",
    "javascript:alert(1)",
]


def stays_on_site(response):
    assert response.status_code in (302, 303), response.status_code
    location = response["Location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_the_language_switcher_never_redirects_off_site(client, next_url):
    client.force_login(make_user("vera", role=VIEWER))
    stays_on_site(client.post(reverse("language-set"), {"language": "en", "next": next_url}))


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_the_sign_in_never_redirects_off_site(client, next_url):
    make_user("vera", role=VIEWER, password="a-long-password-for-vera")
    response = client.post(
        f"{reverse('login')}?next={next_url}",
        {"username": "vera", "password": "a-long-password-for-vera", "next": next_url},
    )
    stays_on_site(response)


def test_a_next_on_the_site_is_followed(client):
    make_user("vera", role=VIEWER, password="a-long-password-for-vera")
    response = client.post(
        reverse("login"), {"username": "vera", "password": "a-long-password-for-vera", "next": "/reports/"}
    )
    assert response.status_code == 302 and response["Location"] == "/reports/"
