"""NUL bytes answer 400 (not 500) and cost one CSV row, not the import; huge
people.csv files are refused at once; uploaded archives expire."""

import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import ADMIN
from portal.people import imports
from portal.people.models import ImportJob, Person
from portal.people.services import import_archives_expire
from portal.people.tasks import import_archives_expire_task
from tests import photos
from tests.factories import make_user
from tests.portal.people.test_imports import make_zip, run_import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/media/%00",
        "/media/photos/%00",
        "/admin/recognition/capture/?status__exact=%00",
        "/admin/people/person/?q=%00",
        "/people/?q=a%00b",
        "/api/v1/people/?employee_id=%00",
    ],
)
def test_a_nul_byte_in_the_address_answers_400_not_500(client, url):
    client.force_login(make_user("boss", role=ADMIN))
    assert client.get(url).status_code == 400


def test_a_nul_byte_in_an_api_address_answers_in_the_api_error_format(client):
    client.force_login(make_user("boss", role=ADMIN))
    response = client.get("/api/v1/people/?employee_id=%00")
    assert response.json()["error"]["code"] == "bad_request"


def test_a_nul_in_people_csv_skips_that_row_only(django_capture_on_commit_callbacks):
    csv = "employee_id,name\n1042,Barack\x00Obama\n17,Joe Biden\n"
    job = run_import(
        make_zip({"people.csv": csv, "17/blue_room.jpg": photos.read(photos.BIDEN)}),
        capture=django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.DONE
    assert {"name": "people.csv line 2", "reason": "contains a NUL character; row not used"} in job.report["skipped"]
    assert not Person.objects.filter(employee_id="1042").exists()
    assert Person.objects.get(employee_id="17").name == "Joe Biden"
    assert job.report["photos_accepted"] == 1


def test_a_people_csv_of_30000_rows_in_a_tiny_zip_is_refused_at_once(client, settings):
    settings.IMPORT_MAX_CSV_ROWS = 5000
    rows = "".join(f"E{n},Person {n}\n" for n in range(30_000))
    data = make_zip({"people.csv": "employee_id,name\n" + rows})
    assert len(data) < 300_000
    client.force_login(make_user("boss", role=ADMIN))
    response = client.post(reverse("people:import-start"), {"archive": SimpleUploadedFile("big.zip", data)})
    assert response.status_code == 400
    assert "more than 5,000 rows" in response.content.decode()
    assert not ImportJob.objects.exists() and not Person.objects.exists()


def test_a_people_csv_at_the_limit_is_read():
    plan = imports.Plan()
    with override_settings(IMPORT_MAX_CSV_ROWS=3):
        imports._read_csv("employee_id\n1\n2\n3\n", plan)
        assert set(plan.rows) == {"1", "2", "3"}
        with pytest.raises(imports.ArchiveRefused):
            imports._read_csv("employee_id\n1\n2\n3\n4\n", imports.Plan())


def test_import_archives_expire_and_the_reports_stay(django_capture_on_commit_callbacks, settings):
    settings.IMPORT_ARCHIVE_KEEP_DAYS = 2
    job = run_import(
        make_zip({"17/blue_room.jpg": photos.read(photos.BIDEN)}), capture=django_capture_on_commit_callbacks
    )
    recent = run_import(
        make_zip({"18/blue_room.jpg": photos.read(photos.BIDEN)}), capture=django_capture_on_commit_callbacks
    )
    path = job.archive.path
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert import_archives_expire() == 1
    job.refresh_from_db()
    assert not job.archive and not os.path.exists(path) and job.report["photos_accepted"] == 1
    assert os.path.exists(recent.archive.path)
    assert import_archives_expire_task.apply().get() == 0  # the beat task: nothing left
    call_command("import_archives_expire", verbosity=0)  # what `make run` does at start


def test_a_nul_in_a_typed_employee_id_is_a_400_at_a_verify_kiosk(client):
    from portal.kiosks.models import Kiosk
    from tests.portal.kiosks.kiosk_helpers import kiosk_frame, paired_kiosk, post_attempt

    _, token = paired_kiosk(mode=Kiosk.Mode.VERIFY)
    response = post_attempt(client, token, [kiosk_frame(photos.OBAMA)], employee_id="10\x0042")
    # refused before the view, with every other NUL (portal.web.middleware), in the kiosk's envelope
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
