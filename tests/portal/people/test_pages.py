"""The enrollment pages through Django's test client."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.roles import HR, VIEWER
from portal.people.models import ImportJob, MergeRecord, Person
from recognition.models import FacePhoto
from tests import photos
from tests.factories import enroll, enrolled, make_person, make_user
from tests.portal.people.test_imports import people_zip

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(client):
    client.force_login(make_user("hr", role=HR))
    return client


def test_viewers_and_visitors_cannot_open_the_people_pages(client):
    assert client.get(reverse("people:directory")).status_code == 302
    client.force_login(make_user("viewer", role=VIEWER))
    assert client.get(reverse("people:directory")).status_code == 403


def test_directory_shows_states_with_counts_and_filters_by_state(hr):
    enrolled("Barack Obama", photos.OBAMA, photos.OBAMA_2, photos.OBAMA_3, employee_id="1042", department="Office")
    enrolled("Joe Biden", photos.BIDEN, employee_id="17")  # one photo: fewer than recommended
    make_person("New Hire", employee_id="3")
    page = hr.get(reverse("people:directory")).content.decode()
    assert "Barack Obama" in page and "New Hire" in page
    response = hr.get(reverse("people:directory"), {"state": "attention"})
    people = [p.name for p in response.context["page"]]
    assert people == ["Joe Biden"]
    counts = {key: n for key, _, n in response.context["states"]}
    assert counts == {"none": 1, "enrolling": 0, "enrolled": 1, "attention": 1}
    assert [p.name for p in hr.get(reverse("people:directory"), {"q": "104"}).context["page"]] == ["Barack Obama"]
    office = Person.objects.get(employee_id="1042").department_id
    assert [p.name for p in hr.get(reverse("people:directory"), {"department": office}).context["page"]] == [
        "Barack Obama"
    ]


def test_directory_paginates(hr):
    for i in range(30):
        make_person(f"Person {i:02d}", employee_id=str(i))
    response = hr.get(reverse("people:directory"), {"page": 2})
    assert len(response.context["page"]) == 5 and "Page 2 of 2" in response.content.decode()


def test_create_edit_deactivate_and_delete_a_person(hr):
    response = hr.post(reverse("people:create"), {"name": "Ada Lovelace", "employee_id": "A1", "active": "on"})
    person = Person.objects.get(employee_id="A1")
    assert response["Location"] == reverse("people:person", args=[person.pk])
    assert hr.post(reverse("people:create"), {"name": "Copy", "employee_id": "A1"}).status_code == 400
    hr.post(reverse("people:edit", args=[person.pk]), {"name": "Ada King", "employee_id": "A1", "active": "on"})
    hr.post(reverse("people:active", args=[person.pk]), {"active": "0"})
    person.refresh_from_db()
    assert person.name == "Ada King" and not person.active
    assert "Delete for good" in hr.get(reverse("people:delete", args=[person.pk])).content.decode()
    hr.post(reverse("people:delete", args=[person.pk]))
    assert not Person.objects.filter(pk=person.pk).exists()


def test_several_photos_uploaded_at_once_are_encoded_and_shown_with_their_box(hr, django_capture_on_commit_callbacks):
    person = make_person("Barack Obama", employee_id="1042")
    files = [
        SimpleUploadedFile("a.jpg", photos.read(photos.OBAMA)),
        SimpleUploadedFile("b.jpg", photos.read(photos.OBAMA_AND_BIDEN)),
        SimpleUploadedFile("c.txt", b"not a picture at all" * 20),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            reverse("people:photos-upload", args=[person.pk]), {"photos": files}, HTTP_ACCEPT="application/json"
        )
    body = response.json()
    assert response.status_code == 200 and body["added"] == 2 and body["errors"][0]["file"] == "c.txt"
    status = hr.get(reverse("people:photos-status", args=[person.pk])).json()
    assert [p["status"] for p in status["photos"]] == ["accepted", "rejected"]
    assert status["accepted"] == 1 and status["recommended"] == 3
    assert status["photos"][0]["box_style"].startswith("left:")
    page = hr.get(reverse("people:person", args=[person.pk])).content.decode()
    assert "We recommend at least 3" in page and 'class="facebox" style="left:' in page
    assert "2 faces were found" in page
    assert "js/people_camera.js" in page and "getUserMedia" not in page


def test_upload_of_only_bad_files_is_refused_with_a_message(hr):
    person = make_person("Nobody")
    response = hr.post(
        reverse("people:photos-upload", args=[person.pk]),
        {"photos": [SimpleUploadedFile("c.txt", b"plain text, not a picture" * 20)]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 415 and "not an image" in response.json()["errors"][0]["message"]
    assert not FacePhoto.objects.exists()


def test_flagged_photo_shows_the_lookalike_and_the_decision_buttons(hr):
    enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    biden = enrolled("Joe Biden", photos.BIDEN, employee_id="17")
    [photo] = enroll(biden, photos.OBAMA_2)
    page = hr.get(reverse("people:person", args=[biden.pk])).content.decode()
    assert "This face looks like Barack Obama, employee 1042" in page
    assert "Same person: merge into Barack Obama" in page and "Different person: keep" in page
    hr.post(reverse("people:photo-decide", args=[photo.pk]), {"decision": "keep"})
    photo.refresh_from_db()
    assert photo.status == FacePhoto.Status.ACCEPTED


def test_deleting_a_photo_from_the_person_page(hr):
    person = enrolled("Barack Obama", photos.OBAMA)
    photo = person.photos.get()
    response = hr.post(reverse("people:photo-delete", args=[photo.pk]))
    assert response["Location"] == reverse("people:person", args=[person.pk])
    assert not person.photos.exists()


def test_import_page_runs_the_import_and_shows_the_report(hr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(reverse("people:import-start"), {"archive": SimpleUploadedFile("staff.zip", people_zip())})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("people:import", args=[job.pk])
    page = hr.get(response["Location"]).content.decode()
    assert "people created" in page and "more than one face" in page
    assert hr.get(reverse("people:import-status", args=[job.pk])).json()["percent"] == 100


def test_import_page_refuses_a_file_that_is_not_a_zip(hr):
    response = hr.post(reverse("people:import-start"), {"archive": SimpleUploadedFile("x.zip", b"hello" * 100)})
    assert response.status_code == 400 and "not a ZIP archive" in response.content.decode()


def test_queued_import_shows_a_progress_bar(hr):
    response = hr.post(reverse("people:import-start"), {"archive": SimpleUploadedFile("staff.zip", people_zip())})
    page = hr.get(response["Location"]).content.decode()  # on_commit not run: still queued
    assert "<progress" in page and "js/job_progress.js" in page


def test_merge_asks_first_and_moves_nothing_until_confirmed(hr):
    obama = enrolled("Barack Obama", photos.OBAMA, employee_id="1042")
    twin = make_person("B. Obama", employee_id="9999")
    [photo] = enroll(twin, photos.OBAMA_2)
    # the old one-click button now only leads to the confirmation
    response = hr.post(reverse("people:photo-decide", args=[photo.pk]), {"decision": "merge"})
    assert response["Location"] == reverse("people:photo-merge", args=[photo.pk])
    page = hr.get(response["Location"]).content.decode()
    assert "Merge B. Obama into Barack Obama?" in page and "can be undone" in page
    twin.refresh_from_db()
    assert twin.merged_into is None and twin.photos.count() == 1
    response = hr.post(reverse("people:photo-merge", args=[photo.pk]))
    assert response["Location"] == reverse("people:person", args=[obama.pk])
    twin.refresh_from_db()
    assert twin.merged_into == obama
    page = hr.get(reverse("people:person", args=[obama.pk])).content.decode()
    assert "B. Obama" not in hr.get(reverse("people:directory")).content.decode()
    record = MergeRecord.objects.get()
    assert reverse("people:merge-undo", args=[record.pk]) in page
    assert "Undo the merge" in hr.get(reverse("people:merge-undo", args=[record.pk])).content.decode()
    response = hr.post(reverse("people:merge-undo", args=[record.pk]))
    assert response["Location"] == reverse("people:person", args=[twin.pk])
    photo.refresh_from_db()
    assert photo.person == twin and photo.status == FacePhoto.Status.REVIEW


def test_deleting_a_photo_asks_first(hr):
    person = enrolled("Barack Obama", photos.OBAMA)
    photo = person.photos.get()
    page = hr.get(reverse("people:photo-delete", args=[photo.pk])).content.decode()
    assert "Delete this photo of Barack Obama?" in page and person.photos.exists()
    hr.post(reverse("people:photo-delete", args=[photo.pk]))
    assert not person.photos.exists()


def test_a_persons_page_links_to_their_days_timesheet_and_for_security_staff_their_access_events(client):
    from portal.accounts.roles import ADMIN

    person = make_person("Ana Lima", employee_id="A-7")
    client.force_login(make_user("hanna", role=HR))
    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert f"?person={person.pk}" in page and "Timesheet" in page
    assert "Access events" not in page  # HR does not read the access log
    client.force_login(make_user("boss", role=ADMIN))
    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert f"{reverse('access-log')}?person={person.pk}" in page
    log = client.get(reverse("access-log"), {"person": person.pk})
    assert log.status_code == 200


@pytest.mark.parametrize("worker_language", ["zh-hans", "en"])
def test_an_import_refused_as_a_whole_reads_in_each_readers_language_whatever_the_workers(
    hr, settings, worker_language
):
    import json

    from django.core.files.base import ContentFile
    from django.db import connection
    from django.utils import translation

    from portal.people import services
    from tests.portal.people.test_imports import make_zip

    job = ImportJob(filename="staff.zip")
    job.archive.save("import.zip", ContentFile(make_zip({f"p{i}/{i}.jpg": b"x" for i in range(3)})))
    settings.IMPORT_MAX_FILES = 2  # lowered after the upload: the worker refuses the archive
    with translation.override(worker_language):
        services.import_job_run(job=job)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT error FROM {ImportJob._meta.db_table} WHERE id = %s", [job.pk])
        kept = json.loads(cursor.fetchone()[0])
    assert kept == {"code": "import.too_many_entries", "params": {"count": "3", "limit": "2"}}
    english = "The archive holds 3 entries; the limit is 2. Split it into several archives."
    chinese = "压缩包包含 3 个条目；上限为 2。请拆分为多个压缩包。"
    for accept, words in (("en", english), ("zh-Hans,zh;q=0.9", chinese)):
        page = hr.get(reverse("people:import", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
        assert words in page
        status = hr.get(reverse("people:import-status", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=accept).json()
        assert status["status"] == ImportJob.Status.FAILED and status["error"] == words


def test_an_import_error_kept_as_a_sentence_before_codes_is_shown_as_stored(hr):
    job = ImportJob.objects.create(filename="old.zip", status=ImportJob.Status.FAILED)
    ImportJob.objects.filter(pk=job.pk).update(error="This ZIP archive cannot be read (Bad magic number).")
    status = hr.get(reverse("people:import-status", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-Hans").json()
    assert status["error"] == "This ZIP archive cannot be read (Bad magic number)."


def test_an_import_that_took_too_long_reads_in_the_readers_language(hr):
    from portal.core.jobs import give_up
    from portal.people.jobs import IMPORT

    job = ImportJob.objects.create(filename="big.zip", status=ImportJob.Status.RUNNING)
    give_up(IMPORT, job.pk, IMPORT.too_long)
    url = reverse("people:import-status", args=[job.pk])
    assert hr.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["error"].startswith("The import took too long")
    chinese = "导入耗时过长；请将压缩包拆分为较小的几个后分别导入。"
    assert hr.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").json()["error"] == chinese
