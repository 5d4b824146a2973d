"""Bulk import of a ZIP (as a Celery task) and of a folder, with real photos."""

import io
import stat
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.people import imports, services
from portal.people.models import ImportJob, Person
from recognition.models import FacePhoto
from tests import photos
from tests.factories import enrolled

pytestmark = pytest.mark.django_db

CSV = "employee_id,name,department,folder\n1042,Barack Obama,Leadership,obama\n"


def make_zip(members, symlinks=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return out.getvalue()


def people_zip():
    return make_zip(
        {
            "staff/people.csv": CSV,
            "staff/obama/portrait.jpg": photos.read(photos.OBAMA),
            "staff/obama/joint_session.jpg": photos.read(photos.OBAMA_2),
            "staff/Joe_Biden/blue_room.jpg": photos.read(photos.BIDEN),
            "staff/Joe_Biden/with_obama.jpg": photos.read(photos.OBAMA_AND_BIDEN),
            "staff/Joe_Biden/notes.txt": "not a photo",
        }
    )


def run_import(data, name="people.zip", capture=None):
    with capture(execute=True):
        job = services.import_job_submit(file=SimpleUploadedFile(name, data), filename=name)
    job.refresh_from_db()
    return job


def test_zip_of_several_people_imports_with_the_right_counts(django_capture_on_commit_callbacks):
    job = run_import(people_zip(), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE and job.done == job.total == 4 and job.percent == 100
    report = job.report
    assert report["people_created_count"] == 2
    assert report["photos_accepted"] == 3 and report["photos_rejected"] == 1
    assert [(g["code"], g["count"]) for g in report["rejected"]] == [("several_faces", 1)]
    assert {"name": "staff/Joe_Biden/notes.txt", "reason": "not a photo (.txt)"} in report["skipped"]
    obama = Person.objects.get(employee_id="1042")
    assert obama.name == "Barack Obama" and obama.department.name == "Leadership"
    assert obama.photos.filter(status=FacePhoto.Status.ACCEPTED).count() == 2
    assert Person.objects.get(employee_id="Joe_Biden").name == "Joe Biden"


def test_a_second_run_of_the_same_zip_adds_nothing(django_capture_on_commit_callbacks):
    run_import(people_zip(), capture=django_capture_on_commit_callbacks)
    before = (Person.objects.count(), FacePhoto.objects.count())
    job = run_import(people_zip(), capture=django_capture_on_commit_callbacks)
    assert (Person.objects.count(), FacePhoto.objects.count()) == before
    assert job.report["photos_accepted"] == 0 and job.report["photos_already"] == 3
    assert job.report["people_created_count"] == 0


def test_imported_face_of_an_enrolled_person_is_flagged(django_capture_on_commit_callbacks):
    enrolled("Joe Biden", photos.BIDEN, employee_id="17")
    data = make_zip(
        {"Biden_again/biden.jpg": photos.read(photos.BIDEN), "Barack_Obama/o.jpg": photos.read(photos.OBAMA)}
    )
    job = run_import(data, capture=django_capture_on_commit_callbacks)
    [duplicate] = job.report["duplicates"]
    assert duplicate["lookalike"] == "Joe Biden" and duplicate["lookalike_employee_id"] == "17"
    assert duplicate["person"] == "Biden again" and job.report["photos_accepted"] == 1
    assert FacePhoto.objects.get(pk=duplicate["photo_id"]).status == FacePhoto.Status.REVIEW


def test_malicious_zip_writes_nothing_outside_media(tmp_path, settings, django_capture_on_commit_callbacks):
    photo = photos.read(photos.OBAMA)
    zeros = b"\0" * (5 * 1024 * 1024)
    data = make_zip(
        {
            "../evil.jpg": photo,
            "../../evil.jpg": photo,
            "/tmp/evil_absolute.jpg": photo,
            "bob/../../evil_dots.jpg": photo,
            "C:\\evil\\windows.jpg": photo,
            "bob/inner.zip": make_zip({"x/y.jpg": photo}),
            "bob/bomb.jpg": zeros,
            "bob/script.sh": "rm -rf /",
            "bob/.hidden.jpg": photo,
            "__MACOSX/bob/._portrait.jpg": b"junk",
            "bob/portrait.jpg": photo,
            "loose.jpg": photo,
        },
        symlinks=[("bob/link.jpg", "/etc/passwd")],
    )
    before = {p for p in tmp_path.parent.rglob("*")}
    job = run_import(data, capture=django_capture_on_commit_callbacks)
    media = tmp_path / "media"
    created = {p for p in tmp_path.parent.rglob("*")} - before
    outside = [p for p in created if media not in p.parents and p != media]
    assert outside == []
    assert job.status == ImportJob.Status.DONE and job.report["photos_accepted"] == 1
    reasons = {line["name"]: line["reason"] for line in job.report["skipped"]}
    assert "outside its folder" in reasons["../evil.jpg"]
    assert "outside its folder" in reasons["bob/../../evil_dots.jpg"]
    assert "absolute" in reasons["/tmp/evil_absolute.jpg"]
    assert "absolute or Windows" in reasons["C:\\evil\\windows.jpg"]
    assert "archive inside the archive" in reasons["bob/inner.zip"]
    assert "zip bomb" in reasons["bob/bomb.jpg"]
    assert "symbolic link" in reasons["bob/link.jpg"]
    assert "not a photo" in reasons["bob/script.sh"]
    assert "hidden" in reasons["bob/.hidden.jpg"]
    assert "not in a person's folder" in reasons["loose.jpg"]
    stored = [p for p in media.rglob("*") if p.is_file()]
    assert all(p.parts[-3] in ("enrollment", "imports") or p.parts[-2] == "imports" for p in stored)


def test_an_archive_that_is_not_a_zip_is_refused():
    with pytest.raises(imports.ArchiveRefused, match="not a ZIP"):
        services.import_job_submit(file=SimpleUploadedFile("x.zip", b"PK\x03\x04 broken"), filename="x.zip")
    assert not ImportJob.objects.exists()


def test_thousands_of_tiny_files_are_refused(settings):
    settings.IMPORT_MAX_FILES = 100
    data = make_zip({f"p{i}/{i}.jpg": b"x" for i in range(101)})
    with pytest.raises(imports.ArchiveRefused, match="101 entries; the limit is 100"):
        services.import_job_submit(file=SimpleUploadedFile("x.zip", data), filename="x.zip")


def test_an_archive_that_unpacks_too_large_is_refused(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = make_zip({"p/a.jpg": b"\0" * (2 * 1024 * 1024)})
    with pytest.raises(imports.ArchiveRefused, match="would unpack to"):
        services.import_job_submit(file=SimpleUploadedFile("x.zip", data), filename="x.zip")


def test_a_damaged_member_is_skipped_with_a_line(django_capture_on_commit_callbacks):
    data = bytearray(make_zip({"bob/a.jpg": photos.read(photos.OBAMA), "bob/b.jpg": photos.read(photos.OBAMA_2)}))
    start = data.find(b"bob/a.jpg") + len("bob/a.jpg") + 200
    data[start : start + 50] = b"\xff" * 50  # corrupt the first member's compressed bytes
    job = run_import(bytes(data), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    lines = job.report["skipped"] + [e for g in job.report["rejected"] for e in g["examples"]]
    assert any("bob/a.jpg" in str(line) for line in lines)
    assert job.report["photos_accepted"] == 1


def test_an_encrypted_member_and_a_too_long_folder_are_skipped_as_codes_read_in_either_language(
    django_capture_on_commit_callbacks,
):
    import json

    from django.db import connection
    from django.utils import translation

    from portal.core.messages import message_text

    long_folder = "x" * 65
    data = bytearray(make_zip({"ana/secret.jpg": b"\x00" * 10, f"{long_folder}/1.jpg": photos.read(photos.OBAMA)}))
    central = data.find(b"PK\x01\x02")  # the first member's entry in the central directory
    data[central + 8] |= 0x1  # its "encrypted" flag, as an archiver with a password sets it
    job = run_import(bytes(data), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT report FROM {ImportJob._meta.db_table} WHERE id = %s", [job.pk])
        kept = json.loads(cursor.fetchone()[0])
    assert {line["name"]: line["reason"] for line in kept["skipped"]} == {
        "ana/secret.jpg": {"code": "import.encrypted", "params": {}},
        long_folder: {"code": "import.folder_too_long", "params": {}},
    }
    reasons = [line["reason"] for line in job.report["skipped"]]
    with translation.override("en"):
        assert [message_text(reason) for reason in reasons] == [
            "encrypted; cannot be read",
            "the folder name is longer than 64 characters, too long for an employee ID; skipped",
        ]
    with translation.override("zh-hans"):
        assert [message_text(reason) for reason in reasons] == [
            "已加密；无法读取",
            "文件夹名称超过 64 个字符，作为员工编号太长；已跳过",
        ]
