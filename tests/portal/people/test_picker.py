"""Person pickers at a large headcount (issue 24): past LIST_MAX people a page lists only the
chosen person and the picker looks people up as one types (people:pick)."""

import pytest
from django.urls import reverse

from portal.access.models import Visitor
from portal.accounts.roles import RECEPTION, SECURITY, VIEWER
from portal.people import widgets
from portal.people.models import Person
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(monkeypatch):
    monkeypatch.setattr(widgets, "LIST_MAX", 3)
    people = [
        make_person(name, employee_id=f"E-{n}") for n, name in enumerate(["Ana Dvořák", "Bo Li", "Cy Ng", "Di Wu"])
    ]
    return people


def _options(page):
    select = page.split('name="person"', 1)[1].split("</select>", 1)[0]
    return select.count("<option"), select


def test_a_report_filter_lists_only_the_chosen_person_past_the_limit_and_says_where_to_look(client, many):
    client.force_login(make_user("vera", role=VIEWER))
    count, select = _options(client.get(reverse("reports")).content.decode())
    assert count == 1 and "data-pick-url" in select  # "Everyone" only
    chosen = many[2]
    query = {"date_from": "2026-03-02", "date_to": "2026-03-08", "person": chosen.pk}
    count, select = _options(client.get(reverse("reports"), query).content.decode())
    assert count == 2 and "Cy Ng" in select and "selected" in select and "Bo Li" not in select


def test_under_the_limit_every_person_is_listed_in_the_page(client, monkeypatch, many):
    monkeypatch.setattr(widgets, "LIST_MAX", 10)
    client.force_login(make_user("vera", role=VIEWER))
    count, select = _options(client.get(reverse("reports")).content.decode())
    assert count == 5 and "data-pick-url" not in select


def test_the_lookup_finds_people_as_the_people_search_does_and_only_staff_for_most(client, many):
    visitor = Person.objects.create(name="Dvořák Visitor", employee_id="visitor-1")
    Visitor.objects.create(
        name="Dvořák Visitor", person=visitor, valid_from="2026-01-01T00:00Z", valid_until="2026-01-02T00:00Z"
    )
    client.force_login(make_user("vera", role=VIEWER))
    url = reverse("people:pick")
    found = client.get(url, {"q": "dvorak", "scope": "everyone"}).json()["people"]
    assert [p["label"] for p in found] == ["Ana Dvořák (E-0)"] and "dvorak" in found[0]["search"]
    assert client.get(url, {"q": ""}).json()["people"] == []
    client.force_login(make_user("sam", role=SECURITY))
    found = client.get(url, {"q": "dvorak", "scope": "everyone"}).json()["people"]
    assert [p["label"] for p in found] == ["Ana Dvořák (E-0)", "Dvořák Visitor (visitor-1)"]
    client.force_login(make_user("rita", role=RECEPTION))
    assert client.get(url, {"q": "dvorak"}).status_code == 403


def test_a_choice_from_the_lookup_is_checked_against_the_forms_own_people(client, many):
    client.force_login(make_user("vera", role=VIEWER))
    visitor = Person.objects.create(name="Vi Visitor", employee_id="visitor-2")
    Visitor.objects.create(
        name="Vi Visitor", person=visitor, valid_from="2026-01-01T00:00Z", valid_until="2026-01-02T00:00Z"
    )
    answer = client.get(reverse("reports"), {"date_from": "2026-03-02", "date_to": "2026-03-08", "person": visitor.pk})
    assert answer.status_code == 400


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_a_picker_past_the_limit_finds_the_typed_person_and_the_report_shows_them(
    live_server, client, many
):
    from playwright.sync_api import sync_playwright

    from tests.e2e.camera import CHROMIUM

    client.force_login(make_user("vera", role=VIEWER))
    cookie = client.cookies["sessionid"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 800})
            context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
            page = context.new_page()
            page.goto(live_server.url + reverse("reports") + "?date_from=2026-03-02&date_to=2026-03-08")
            assert page.eval_on_selector("#id_person", "s => s.options.length") == 1
            page.fill(".picker-search", "dvorak")  # no accent typed: found as the people search finds
            page.wait_for_function("() => document.getElementById('id_person').options.length === 2")
            chosen = page.eval_on_selector("#id_person", "s => s.options[s.selectedIndex].text")
            assert chosen == "Ana Dvořák (E-0)"
            page.fill(".picker-search", "bo l")
            page.wait_for_function(
                "() => document.getElementById('id_person').selectedOptions[0].text === 'Bo Li (E-1)'"
            )
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            assert f"person={many[1].pk}" in page.url
            assert page.eval_on_selector("#id_person", "s => s.options[s.selectedIndex].text") == "Bo Li (E-1)"
        finally:
            browser.close()
