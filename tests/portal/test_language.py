"""The interface language: from the browser, or the header's switcher, remembered per user."""

import pytest
from django.urls import reverse

from portal.accounts.models import Preference
from portal.accounts.roles import VIEWER
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def html_lang(response):
    text = response.content.decode()
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


def test_pages_say_english_by_default_and_chinese_when_the_browser_asks(client):
    assert html_lang(client.get(reverse("login"))) == "en"
    chinese = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert html_lang(chinese) == "zh-hans" and chinese["Content-Language"] == "zh-hans"


def test_the_django_admin_speaks_chinese_to_a_chinese_browser(client):
    client.force_login(make_user("ada", superuser=True))  # the Django admin is for superusers
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "站点管理" in page  # Django's own catalogue: "Site administration"


def test_the_header_has_a_switcher_listing_both_languages(client):
    client.force_login(make_user("vera", role=VIEWER))
    page = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("language-set")}"' in page
    assert 'value="zh-hans"' in page and "简体中文" in page


def test_a_signed_in_users_choice_is_remembered_across_sign_ins_and_beats_the_browser(client):
    user = make_user("vera", role=VIEWER)
    client.force_login(user)
    response = client.post(reverse("language-set"), {"language": "zh-hans", "next": reverse("reports")})
    assert response.status_code == 302 and response["Location"] == reverse("reports")
    assert Preference.objects.get(user=user).language == "zh-hans"
    assert html_lang(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")) == "zh-hans"
    # a new browser: no cookie, an English Accept-Language; signing in brings the choice back
    client.logout()
    client.cookies.clear()
    assert html_lang(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")) == "en"
    client.force_login(user)
    assert html_lang(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")) == "zh-hans"
    # and back to English
    client.post(reverse("language-set"), {"language": "en", "next": "/"})
    assert html_lang(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN")) == "en"
    assert Preference.objects.get(user=user).language == "en"


def test_an_anonymous_visitor_gets_the_cookie_only(client):
    response = client.post(reverse("language-set"), {"language": "zh-hans", "next": "/accounts/login/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "zh-hans"
    assert html_lang(client.get(reverse("login"))) == "zh-hans"
    assert not Preference.objects.exists()


def test_an_unknown_language_changes_nothing(client):
    user = make_user("vera", role=VIEWER)
    client.force_login(user)
    client.post(reverse("language-set"), {"language": "xx", "next": "/"})
    assert not Preference.objects.exists()
    assert client.get(reverse("language-set")).status_code == 405
