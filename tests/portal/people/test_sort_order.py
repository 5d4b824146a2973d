"""Chinese names sorted by their pinyin among the others (issue 25, item 15), not after every Latin name."""

from datetime import date

import pytest
from django.urls import reverse

from portal.accounts.roles import HR
from portal.people.models import Person
from portal.reports.monthly import monthly_summary
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db

NAMES = ["Zoë Ng", "张伟", "Liu Yang", "李静", "Ana Nováková", "Lewis Hamilton", "王芳", "Łukasz Wiśniewski"]
# a, le, li (jing), liu, lu(kasz), wang, zhang, zoe
ORDER = ["Ana Nováková", "Lewis Hamilton", "李静", "Liu Yang", "Łukasz Wiśniewski", "王芳", "张伟", "Zoë Ng"]


@pytest.fixture
def people():
    return [make_person(name, employee_id=f"e{n}") for n, name in enumerate(NAMES)]


def test_people_are_listed_with_chinese_names_in_pinyin_order(people, client):
    assert [p.name for p in Person.objects.all()] == ORDER
    client.force_login(make_user("hr", role=HR))
    page = client.get(reverse("people:directory")).content.decode()
    assert sorted(ORDER, key=page.index) == ORDER
    month = monthly_summary(first=date(2026, 3, 1))
    assert [row.person.name for row in month.people] == ORDER


def test_a_renamed_person_moves_to_their_new_place():
    person = make_person("Zhou Xun", employee_id="z")
    make_person("Ma Li", employee_id="m")
    person.name = "阿玲"  # a ling
    person.save(update_fields=["name"])
    assert [p.name for p in Person.objects.all()] == ["阿玲", "Ma Li"]
