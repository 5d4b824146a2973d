"""People over the API: list, search, filter, create, update, deactivate, delete."""

import pytest

from portal.people.models import Person
from recognition.models import FacePhoto, GalleryVersion
from tests import photos
from tests.factories import enroll, make_person
from tests.portal.api.conftest import error_of

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"


def test_hr_adds_a_person_with_a_new_department(hr_api):
    response = hr_api.post(PEOPLE, {"name": " Ada Lovelace ", "employee_id": "E-1815", "department": "Engineering"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Ada Lovelace" and body["department"] == "Engineering" and body["active"] is True
    assert body["photos_accepted"] == 0
    assert Person.objects.get(employee_id="E-1815").department.name == "Engineering"


def test_a_duplicate_employee_id_is_a_409_and_changes_nothing(hr_api):
    make_person("Barack Obama", employee_id="1042")
    response = hr_api.post(PEOPLE, {"name": "Someone Else", "employee_id": "1042"}, format="json")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "duplicate_employee_id" and "employee_id" in error["fields"]
    assert Person.objects.count() == 1
    other = make_person("Joe Biden", employee_id="17")
    response = hr_api.patch(f"{PEOPLE}{other.pk}/", {"employee_id": "1042"}, format="json")
    assert response.status_code == 409
    assert Person.objects.get(pk=other.pk).employee_id == "17"


def test_missing_fields_are_a_400_naming_each_field(hr_api):
    response = hr_api.post(PEOPLE, {"name": "  "}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid" and set(error["fields"]) == {"name", "employee_id"}


def test_list_searches_filters_and_pages(hr_api):
    for i in range(7):
        make_person(f"Person {i}", employee_id=f"P{i}", department="Sales" if i % 2 else "Support", active=i != 3)
    obama = make_person("Barack Obama", employee_id="1042")
    enroll(obama, photos.OBAMA)

    assert [p["name"] for p in hr_api.get(PEOPLE, {"search": "obam"}).json()["results"]] == ["Barack Obama"]
    assert [p["name"] for p in hr_api.get(PEOPLE, {"search": "1042"}).json()["results"]] == ["Barack Obama"]
    sales = hr_api.get(PEOPLE, {"department": "sales"}).json()
    assert sales["count"] == 3 and {p["department"] for p in sales["results"]} == {"Sales"}
    assert [p["employee_id"] for p in hr_api.get(PEOPLE, {"active": "false"}).json()["results"]] == ["P3"]
    enrolled = hr_api.get(PEOPLE, {"enrolled": "true"}).json()["results"]
    assert [(p["name"], p["photos_accepted"]) for p in enrolled] == [("Barack Obama", 1)]

    page = hr_api.get(PEOPLE, {"page_size": 3, "page": 2}).json()
    assert page["count"] == 8 and len(page["results"]) == 3 and page["next"] and page["previous"]
    assert hr_api.get(PEOPLE, {"page": 99}).status_code == 404


def test_update_and_deactivate(hr_api):
    person = make_person("Joe Biden", employee_id="17")
    response = hr_api.patch(f"{PEOPLE}{person.pk}/", {"department": "Office of the VP"}, format="json")
    assert response.status_code == 200 and response.json()["department"] == "Office of the VP"
    before = GalleryVersion.current()
    response = hr_api.post(f"{PEOPLE}{person.pk}/deactivate/")
    assert response.status_code == 200 and response.json()["active"] is False
    assert not Person.objects.get(pk=person.pk).active
    assert GalleryVersion.current() > before  # workers stop recognizing them
    response = hr_api.put(f"{PEOPLE}{person.pk}/", {"name": "Joseph Biden", "employee_id": "17"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Joseph Biden"


def test_deleting_a_person_erases_their_photos_templates_and_files(hr_api, django_capture_on_commit_callbacks):
    person = make_person("Barack Obama", employee_id="1042")
    photo = enroll(person, photos.OBAMA)[0]
    storage, name = photo.image.storage, photo.image.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_api.delete(f"{PEOPLE}{person.pk}/")
    assert response.status_code == 204
    assert not Person.objects.exists() and not FacePhoto.objects.exists()
    assert not storage.exists(name)
    assert error_of(hr_api.get(f"{PEOPLE}{person.pk}/"))["code"] == "not_found"


def test_only_hr_and_admins_manage_people(viewer_api, admin_api, anonymous_api):
    person = make_person()
    assert viewer_api.get(PEOPLE).status_code == 403
    assert viewer_api.delete(f"{PEOPLE}{person.pk}/").status_code == 403
    assert anonymous_api.get(PEOPLE).status_code == 401
    assert admin_api.get(PEOPLE).json()["count"] == 1
    assert Person.objects.exists()
