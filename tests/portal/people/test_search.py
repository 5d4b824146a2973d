"""Finding people whatever the case, the accents or the script, on SQLite and PostgreSQL alike."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.urls import reverse

from portal.accounts.roles import HR
from portal.people.models import Person
from portal.people.search import normalize, search_key
from portal.people.selectors import person_directory
from tests.factories import make_person, make_user
from tests.portal.api.conftest import token_client

PEOPLE = [
    ("José Müller-Øberg", "E-1"),
    ("张伟", "CN-0001"),
    ("王芳", "CN-0002"),
    ("吕小明", "CN-0003"),
    ("Дмитрий Шостакович", "RU-1"),
    ("Ελένη Παπαδοπούλου", "GR-1"),
    ("Zoë Weiß", "DE-1"),
]
SEARCHES = [
    ("jose", ["José Müller-Øberg"]),
    ("JOSÉ", ["José Müller-Øberg"]),
    ("muller", ["José Müller-Øberg"]),
    ("Müller-Oberg", ["José Müller-Øberg"]),
    ("oberg", ["José Müller-Øberg"]),
    ("zhang wei", ["张伟"]),
    ("zhangwei", ["张伟"]),
    ("Zhang Wei", ["张伟"]),
    ("zhāng wěi", ["张伟"]),
    ("zhang1 wei3", ["张伟"]),
    ("zw", ["张伟"]),
    ("张", ["张伟"]),
    ("wang fang", ["王芳"]),
    ("wf", ["王芳"]),
    ("lü xiaoming", ["吕小明"]),
    ("lv xiao", ["吕小明"]),
    ("дмитрий", ["Дмитрий Шостакович"]),
    ("ελενη", ["Ελένη Παπαδοπούλου"]),
    ("zoe weiss", ["Zoë Weiß"]),
    ("cn-000", ["吕小明", "王芳", "张伟"]),
    ("nobody", []),
]


@pytest.fixture
def people(db):
    return [make_person(name, employee_id) for name, employee_id in PEOPLE]


def test_normalize_drops_case_accents_and_folds_letters_without_a_base():
    assert normalize("  José  MÜLLER-Øberg ") == "jose muller-oberg"
    assert normalize("Zoë Weiß") == "zoe weiss"


def test_the_search_key_spells_a_chinese_name_in_pinyin_three_ways():
    assert search_key("张伟") == "张伟 | zhang wei | zhangwei | zw"


@pytest.mark.parametrize(("query", "expected"), SEARCHES)
def test_directory_search_finds_by_any_spelling(people, query, expected):
    found, _ = person_directory(query=query)
    assert sorted(p.name for p in found) == sorted(expected)


@pytest.mark.parametrize(("query", "expected"), SEARCHES)
def test_api_search_finds_by_any_spelling(people, query, expected):
    answer = token_client(HR).get("/api/v1/people/", {"search": query}).json()
    assert sorted(p["name"] for p in answer["results"]) == sorted(expected)


def test_directory_page_finds_jose_by_jose(client, people):
    client.force_login(make_user("hana", role=HR))
    page = client.get(reverse("people:directory"), {"q": "jose"}).content.decode()
    assert "José Müller-Øberg" in page and "张伟" not in page


def test_renaming_a_person_updates_the_key_even_with_update_fields(people):
    person = Person.objects.get(employee_id="CN-0001")
    person.name = "李娜"
    person.save(update_fields=["name"])
    assert Person.objects.get(pk=person.pk).search_key == "李娜 | li na | lina | ln"


def test_the_migration_fills_the_key_of_people_already_there(db):
    # 0006_person_search_key's data migration, squashed with the others since (a database migrated
    # before the squash migrating onward: tests/test_migrations.py)
    Person.objects.filter(pk=make_person("张伟", "CN-9").pk).update(search_key="")
    migration = importlib.import_module("portal.people.migrations.0001_initial_squashed_0010_person_sort_key")
    migration.fill_search_keys(global_apps, None)
    assert Person.objects.get(employee_id="CN-9").search_key == "张伟 | zhang wei | zhangwei | zw"


@pytest.mark.slow
def test_the_same_searches_pass_on_postgresql(tmp_path):
    """This file's searches again, in a fresh PostgreSQL database (as the end-to-end tests make one)."""
    from tests.e2e.stack import assert_passes_on_postgresql

    assert_passes_on_postgresql(__file__, tmp_path)


def test_the_admin_people_list_searches_the_same_way(client, people):

    client.force_login(make_user("ada", superuser=True))  # the Django admin is for superusers
    page = client.get(reverse("admin:people_person_changelist"), {"q": "zw"}).content.decode()
    assert "张伟" in page and "王芳" not in page


def test_postgresql_answers_a_people_search_from_the_trigram_indexes(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no trigram index; it scans (the PostgreSQL run above checks this)")
    from portal.people.search import person_search

    make_person("Zhang Wei", employee_id="CN-1")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: the plan as at 100,000
    # without the lists' order: on a handful of rows the planner would read the sort-key index in order
    # and filter, a plan that says nothing about how the search itself is answered
    plan = person_search(Person.objects.all(), "zhang").order_by().explain()
    assert "people_person_search_key_trgm" in plan and "people_person_employee_id_trgm" in plan
