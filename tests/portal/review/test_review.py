"""The review list of unknown faces: real dlib on real photos, services and pages against the database."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from portal.access.models import AccessEvent, Door, Visitor, Zone
from portal.access.visitors import visitors_erase
from portal.accounts.roles import ADMIN, HR, VIEWER
from portal.attendance.models import AttendanceEvent
from portal.people.models import Person
from portal.people.services import person_delete
from portal.review.models import UnknownFace
from portal.review.services import review_expire
from recognition.models import FacePhoto
from recognition.processing import face_photo_encode
from tests import photos
from tests.factories import enrolled, make_person, make_user, recognize
from tests.portal.access.helpers import door_with_kiosk
from tests.portal.api.conftest import error_of, token_client
from tests.portal.kiosks.kiosk_helpers import attempt, kiosk_frame

pytestmark = pytest.mark.django_db


@pytest.fixture
def obama(db):
    return enrolled("Barack Obama", photos.OBAMA, photos.OBAMA_3, employee_id="1042")


def scaled(path, factor):
    """The head of the same photo at another size: the same face, an encoding a little different.

    (Only the head: at some sizes the detector also takes Collins's mission patch for a face.)
    """
    image = Image.open(path).convert("RGB")
    image = image.crop((60, 0, 400, 280)) if path == photos.STRANGER else image
    image = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
    return photos.jpeg(image)


def seen(path=photos.STRANGER, data=None, **options):
    options.setdefault("record_attendance", True)
    return recognize(data if data is not None else photos.read(path), **options)


def encode_queued(person):
    for photo in FacePhoto.objects.filter(person=person, status=FacePhoto.Status.QUEUED):
        FacePhoto.objects.filter(pk=photo.pk).update(status=FacePhoto.Status.ENCODING)
        face_photo_encode(photo=FacePhoto.objects.get(pk=photo.pk))


def test_an_unknown_face_becomes_a_review_entry_with_its_picture_and_where_it_was_seen(obama):
    capture = seen()
    (face,) = capture.result["faces"]
    assert face["decision"] == "unknown"
    entry = UnknownFace.objects.get()
    assert face["review_id"] == entry.pk
    assert entry.status == "open" and entry.seen == 1
    assert Image.open(io.BytesIO(bytes(entry.picture))).format == "JPEG"
    (sighting,) = entry.sightings.all()
    assert sighting.capture_id == capture.pk and sighting.source == "upload" and sighting.distance > 0.46
    assert not AttendanceEvent.objects.exists()


def test_the_same_stranger_seen_again_joins_the_entry_and_another_face_opens_a_new_one(obama):
    seen()
    seen(data=scaled(photos.STRANGER, 0.8))
    seen(data=scaled(photos.STRANGER, 1.3))
    entry = UnknownFace.objects.get()
    assert entry.seen == 3 and entry.sightings.count() == 3
    assert all(s.group_distance <= 0.46 for s in entry.sightings.all())
    seen(photos.BIDEN)  # nobody enrolled him either: another face, another entry
    assert UnknownFace.objects.count() == 2
    assert sorted(UnknownFace.objects.values_list("seen", flat=True)) == [1, 3]


def test_a_recognized_face_a_test_upload_and_a_verification_leave_the_list_alone(obama):
    seen(photos.OBAMA_2)
    seen(record_attendance=False)
    recognize(photos.read(photos.STRANGER), claimed_person=obama)
    assert not UnknownFace.objects.exists()


def test_assigning_a_face_enrolls_its_picture_through_the_usual_checks(obama, client):
    seen(photos.BIDEN)
    entry = UnknownFace.objects.get()
    biden = make_person("Joe Biden", employee_id="17")
    client.force_login(make_user("admin", role=ADMIN))
    response = client.post(reverse("review-assign", args=[entry.pk]), {"person": biden.pk})
    assert response.status_code == 302 and response["Location"] == reverse("people:person", args=[biden.pk])
    entry.refresh_from_db()
    assert entry.status == "assigned" and entry.person == biden and entry.decided_by.username == "admin"
    photo = FacePhoto.objects.get(person=biden)
    assert entry.photo == photo and photo.status == FacePhoto.Status.QUEUED
    encode_queued(biden)
    photo.refresh_from_db()
    assert photo.status == FacePhoto.Status.ACCEPTED, photo.reason
    # now he is recognized, and nothing new goes to the list
    again = seen(photos.OBAMA_AND_BIDEN)
    assert [f["name"] for f in again.result["faces"]] == ["Barack Obama", "Joe Biden"]
    assert UnknownFace.objects.count() == 1


def test_erasing_the_person_a_face_was_assigned_to_erases_the_entry(obama):
    from portal.review.services import review_assign

    seen(photos.BIDEN)
    biden = make_person("Joe Biden", employee_id="17")
    review_assign(entry=UnknownFace.objects.get(), person=biden)
    person_delete(person=biden)
    assert not UnknownFace.objects.exists()


def test_marking_a_face_as_a_visitor_registers_a_pass_with_it_and_erases_it_with_the_pass(obama, client):
    seen()
    entry = UnknownFace.objects.get()
    door = Door.objects.create(name="Lobby", zone=Zone.objects.create(name="Ground floor"))
    client.force_login(make_user("admin", role=ADMIN))
    start = timezone.localtime().replace(second=0, microsecond=0)
    response = client.post(
        reverse("review-visitor", args=[entry.pk]),
        {"name": "Eileen Collins", "host": obama.pk, "doors": [door.pk], "hours": 4,
         "valid_from": start.strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    visitor = Visitor.objects.get()
    entry.refresh_from_db()
    assert entry.status == "visitor" and entry.visitor == visitor and entry.person == visitor.person
    assert FacePhoto.objects.filter(person=visitor.person).count() == 1
    visitors_erase(now=timezone.now() + timedelta(days=30))
    assert not UnknownFace.objects.exists()


def test_a_dismissed_face_leaves_the_list_and_a_new_sighting_opens_a_new_entry(obama, client):
    seen()
    entry = UnknownFace.objects.get()
    client.force_login(make_user("admin", role=ADMIN))
    assert client.post(reverse("review-dismiss", args=[entry.pk])).status_code == 302
    page = client.get(reverse("review")).content.decode()
    assert reverse("media-review", args=[entry.pk]) not in page
    seen()
    assert UnknownFace.objects.filter(status="open").count() == 1
    # deciding twice is refused
    response = client.post(reverse("review-dismiss", args=[entry.pk]), follow=True)
    assert "already been reviewed" in response.content.decode()


def test_entries_are_erased_after_the_retention_period(obama, settings):
    seen()
    settings.REVIEW_RETENTION_DAYS = 30
    assert review_expire(now=timezone.now() + timedelta(days=29)) == 0
    assert review_expire(now=timezone.now() + timedelta(days=31)) == 1
    assert not UnknownFace.objects.exists()


def test_the_list_and_the_picture_are_for_hr_and_admins_and_the_picture_is_never_a_page(obama, client):
    seen()
    entry = UnknownFace.objects.get()
    client.force_login(make_user("viewer", role=VIEWER))
    assert client.get(reverse("media-review", args=[entry.pk])).status_code == 403
    assert client.get(reverse("review")).status_code == 403
    client.force_login(make_user("hr", role=HR))
    page = client.get(reverse("review"))
    assert page.status_code == 200 and reverse("media-review", args=[entry.pk]) in page.content.decode()
    picture = client.get(reverse("media-review", args=[entry.pk]))
    assert picture["Content-Type"] == "image/jpeg" and picture["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in picture["Content-Security-Policy"]
    detail = client.get(reverse("review-entry", args=[entry.pk])).content.decode()
    assert reverse("capture", args=[entry.sightings.get().capture_id]) in detail


def test_the_review_speaks_hr_words_not_distances(obama, client):
    seen()
    entry = UnknownFace.objects.get()
    client.force_login(make_user("hr", role=HR))
    pages = [client.get(url).content.decode() for url in (reverse("review"), reverse("review-entry", args=[entry.pk]))]
    for page in pages:
        assert "distance" not in page.lower() and "average face" not in page and "0.46" not in page
    assert "did not recognize" in pages[0]
    assert "uploaded picture" in pages[1] and "New person from this face" in pages[1]


def test_a_new_person_from_this_face_is_added_with_the_picture_as_their_first_photo(obama, client):
    seen(photos.BIDEN)
    entry = UnknownFace.objects.get()
    client.force_login(make_user("hr", role=HR))
    response = client.post(
        reverse("review-new-person", args=[entry.pk]), {"new-name": "Joe Biden", "new-employee_id": "17"}
    )
    biden = Person.objects.get(name="Joe Biden")
    assert response.status_code == 302 and response["Location"] == reverse("people:person", args=[biden.pk])
    entry.refresh_from_db()
    assert entry.status == "assigned" and entry.person == biden and entry.decided_by.username == "hr"
    encode_queued(biden)
    assert FacePhoto.objects.get(person=biden).status == FacePhoto.Status.ACCEPTED
    assert [f["name"] for f in seen(photos.BIDEN).result["faces"]] == ["Joe Biden"]
    # an employee ID already taken is refused on the entry's page, and nothing is decided
    seen(photos.STRANGER)
    other = UnknownFace.objects.get(status="open")
    response = client.post(
        reverse("review-new-person", args=[other.pk]), {"new-name": "Someone", "new-employee_id": "17"}
    )
    assert response.status_code == 400 and not Person.objects.filter(name="Someone").exists()
    other.refresh_from_db()
    assert other.status == "open"


def test_the_api_lists_assigns_and_refuses_a_second_decision(obama):
    seen()
    api = token_client(ADMIN)
    listing = api.get("/api/v1/review/?status=open").json()
    (item,) = listing["results"]
    assert item["seen"] == 1 and item["sightings"][0]["source"] == "upload"
    assert api.get(item["picture"])["Content-Type"] == "image/jpeg"
    stranger = make_person("Eileen Collins", employee_id="sts-63")
    assigned = api.post(f"/api/v1/review/{item['id']}/assign/", {"person": stranger.pk}, format="json")
    assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"
    assert assigned.json()["person"]["id"] == stranger.pk and assigned.json()["photo_id"]
    again = api.post(f"/api/v1/review/{item['id']}/dismiss/")
    assert again.status_code == 409 and error_of(again)["code"] == "already_decided"
    assert token_client(HR).get("/api/v1/review/").status_code == 200
    assert token_client(VIEWER).get("/api/v1/review/").status_code == 403


def test_a_stranger_at_a_kiosk_door_is_refused_and_listed_with_the_kiosk(
    obama, client, django_capture_on_commit_callbacks
):
    _, kiosk, token = door_with_kiosk("Lab 2")
    frames = [kiosk_frame(photos.STRANGER, shift=(dx, 0)) for dx in (0, 3, 6)]
    answer = attempt(client, token, frames, django_capture_on_commit_callbacks)
    assert answer.status_code == 200
    entry = UnknownFace.objects.get()
    (sighting,) = entry.sightings.all()
    assert sighting.source == "kiosk" and sighting.kiosk == kiosk and sighting.capture_id
    assert AccessEvent.objects.get().result == "denied"
