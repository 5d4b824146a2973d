"""Content-Security-Policy, Permissions-Policy and no-store, and pages that
still work under the policy (no inline script anywhere)."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from portal.accounts.roles import ADMIN, HR
from tests.factories import make_person, make_user
from tests.portal.test_role_matrix import project_urls

pytestmark = pytest.mark.django_db
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_every_page_has_a_restrictive_policy_and_the_camera_for_this_origin_only(client):
    client.force_login(make_user("hr", role=HR))
    for url in [reverse("home"), reverse("people:directory"), reverse("kiosk"), reverse("login")]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "camera=(self)" in response["Permissions-Policy"]
        assert "microphone=()" in response["Permissions-Policy"]


def test_people_pages_and_api_answers_are_never_stored(client):
    client.force_login(make_user("hr", role=HR))
    person = make_person("Barack Obama", "1042")
    for url in [
        reverse("people:directory"),
        reverse("people:person", args=[person.pk]),
        reverse("api:person-list"),
        reverse("api:person-detail", args=[person.pk]),
        "/api/no/such/address",
    ]:
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url


def _html_pages(client):
    for name, url in project_urls():
        if name.startswith("api:") and name != "api:docs":
            continue
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/html") and response.status_code == 200:
            yield url, response.content.decode()
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        yield url, client.get(url).content.decode()
        yield url + "add/", client.get(url + "add/").content.decode()


def test_no_page_has_an_inline_script_or_event_handler_the_policy_would_block(client):
    client.force_login(make_user("boss", role=ADMIN))
    make_person("Barack Obama", "1042")
    pages = list(_html_pages(client))
    assert len(pages) > 20
    for url, html in pages:
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
        assert not EVENT_ATTRIBUTE.search(html), (url, EVENT_ATTRIBUTE.search(html).group(0))
