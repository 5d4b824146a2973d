"""Stored messages: a row keeps {code, params}, shown in the reader's language by
portal.core.messages.message_text; rows written before codes are converted by each app's
data migration (portal.core.legacy_messages) or shown as they were stored."""

import importlib
import json
import re

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from portal.core.legacy_messages import SentenceReader
from portal.core.messages import Message, message_text, registered
from recognition import texts
from recognition.models import Capture, FacePhoto
from tests.factories import make_person


def values(template, value="3"):
    return dict.fromkeys(re.findall(r"%\((\w+)\)s", template), value)


def raw(model, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def raw_set(model, pk, column, text):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET {column} = %s WHERE id = %s", [text, pk])


def test_every_app_registers_its_templates_under_codes():
    codes = registered()
    assert {t.code: t.template for t in texts.ALL}.items() <= codes.items()
    assert "recognition.too_small" in codes


def test_every_code_renders_in_english_and_in_chinese():
    for code, template in registered().items():
        if code.startswith("sentence:"):
            continue  # a kind still stored as sentences
        message = Message(code, template) % values(template)
        with translation.override("en"):
            assert message_text(message) == template % values(template) == message, code
        with translation.override("zh-hans"):
            chinese = message_text(message)
            assert chinese == translation.gettext(template) % values(template), code
            if re.search(r"[a-z]", re.sub(r"%\(\w+\)s", "", template)):
                assert chinese != message, code  # translated


def test_a_message_survives_pickling_with_its_code():
    import pickle

    message = texts.fill(texts.TOO_SMALL, width=40, minimum=80)
    again = pickle.loads(pickle.dumps(message))
    assert (again.code, again.params, again) == ("recognition.too_small", {"width": "40", "minimum": "80"}, message)


@pytest.mark.django_db
def test_a_recognition_reason_is_kept_as_its_code_and_reads_in_either_language():
    photo = FacePhoto.objects.create(person=make_person("Ana", "1"), image="x.jpg", sha256="0" * 64)
    photo.reason = texts.fill(texts.TOO_SMALL, width=40, minimum=80)
    photo.save()
    kept = json.loads(raw(FacePhoto, photo.pk, "reason"))
    assert kept == {"code": "recognition.too_small", "params": {"width": "40", "minimum": "80"}}
    photo.refresh_from_db()
    assert photo.reason.code == "recognition.too_small" and "40 pixels wide" in photo.reason
    with translation.override("zh-hans"):
        assert message_text(photo.reason) == "人脸太小（宽 40 像素；至少需要 80 像素）。请靠近摄像头或使用更大的照片。"
    with translation.override("en"):
        assert message_text(photo.reason) == photo.reason
    # a sentence of an operator's own (or one a code cannot be found for) stays as it is
    photo.reason = '"quoted" words'
    photo.save()
    photo.refresh_from_db()
    assert (photo.reason, message_text(photo.reason)) == ('"quoted" words', '"quoted" words')
    assert FacePhoto.objects.filter(reason="").count() == 0


@pytest.mark.django_db
def test_an_old_english_row_still_reads_and_the_migration_converts_it():
    person = make_person("Ana", "1")
    photo = FacePhoto.objects.create(person=person, image="x.jpg", sha256="0" * 64)
    other = FacePhoto.objects.create(person=person, image="y.jpg", sha256="1" * 64)
    capture = Capture.objects.create(image="c.jpg")
    old = (
        "The face is too small (40 pixels wide; at least 80 are needed). "
        "Move closer to the camera or use a larger photo."
    )
    raw_set(FacePhoto, photo.pk, "reason", old)
    raw_set(FacePhoto, other.pk, "reason", "typed by hand")
    raw_set(Capture, capture.pk, "error", "The video is 3x3; the limit is 3 megapixels.")
    photo.refresh_from_db()
    assert photo.reason == old  # before the migration: shown as stored

    importlib.import_module("recognition.migrations.0019_stored_messages_as_codes").to_codes(apps, None)

    assert json.loads(raw(FacePhoto, photo.pk, "reason"))["code"] == "recognition.too_small"
    assert raw(FacePhoto, other.pk, "reason") == "typed by hand"
    # the template with more fixed words wins: not the video's size limit
    assert json.loads(raw(Capture, capture.pk, "error")) == {
        "code": "recognition.video_too_many_pixels", "params": {"width": "3", "height": "3", "limit": "3"},
    }  # fmt: skip
    photo.refresh_from_db()
    with translation.override("zh-hans"):
        assert message_text(photo.reason).startswith("人脸太小（宽 40 像素")

    importlib.import_module("recognition.migrations.0019_stored_messages_as_codes").to_english(apps, None)
    assert raw(FacePhoto, photo.pk, "reason") == old


def test_the_old_reader_takes_the_most_specific_template_whatever_the_order():
    for order in (texts.ALL, list(reversed(texts.ALL))):
        read = SentenceReader(order).read("The video is 3x3; the limit is 3 megapixels.")
        assert read.code == "recognition.video_too_many_pixels"


@pytest.mark.django_db
def test_a_cameras_health_is_kept_as_codes_and_an_old_sentence_converts():
    from portal.cameras import texts as camera_texts
    from portal.cameras.models import Camera
    from portal.cameras.selectors import camera_health

    camera = Camera.objects.create(name="Lobby", kind="rtsp", url="rtsp://10.0.0.5:554/stream1")
    Camera.objects.filter(pk=camera.pk).update(
        last_error=camera_texts.CREDENTIALS_REFUSED % {"status": "401"},
        warning=camera_texts.NO_FACES_STILL % {"minutes": "30"},
        connected=True,
    )
    assert json.loads(raw(Camera, camera.pk, "last_error")) == {
        "code": "camera.credentials_refused", "params": {"status": "401"},
    }  # fmt: skip
    camera.refresh_from_db()
    with translation.override("en"):
        health = camera_health(camera)
        assert health["last_error"] == "Wrong user name or password: the camera refused them (401)."
        assert message_text(camera.warning).startswith("No face found for 30 minutes while reading: nothing moved")
    with translation.override("zh-hans"):
        health = camera_health(camera)
        assert health["last_error"] == translation.gettext(camera_texts.CREDENTIALS_REFUSED.template) % {
            "status": "401"
        }
        assert "401" in health["last_error"] and "Wrong" not in health["last_error"]

    raw_set(Camera, camera.pk, "warning", "Analysing 3 of the 5 frames a second asked: the runner shares "
            "its CPU evenly between its 2 cameras.")  # fmt: skip
    importlib.import_module("portal.cameras.migrations.0006_stored_messages_as_codes").to_codes(apps, None)
    assert json.loads(raw(Camera, camera.pk, "warning")) == {
        "code": "camera.shedding", "params": {"rate": "3", "asked": "5", "cameras": "2"},
    }  # fmt: skip


@pytest.mark.django_db
def test_a_door_decision_alerts_and_the_audit_trail_are_kept_as_codes():
    from datetime import datetime, time

    from django.utils import timezone

    from portal.access import texts as access_texts
    from portal.access.models import AccessEvent, Alert, OperatorAction
    from portal.access.services import access_attempt_decide
    from tests.portal.access.helpers import door_with_kiosk, grant

    person = make_person("Ana Lima", "77")
    door, _kiosk, _token = door_with_kiosk("Lab 2")
    grant(person, doors=[door], windows=[(6, time(20), time(23)), (7, time(8), time(9))], group="Staff")
    event = access_attempt_decide(
        door=door, side="entry", at=timezone.make_aware(datetime(2026, 3, 9, 22)), person=person
    )
    stored = json.loads(raw(AccessEvent, event.pk, "explanation"))
    assert stored[0]["code"] == "access.why.not_when"
    assert stored[0]["params"]["when"] == {"code": "access.why.when", "params": {
        "weekday": {"code": "access.why.monday", "params": {}},
        "at": {"code": "core.datetime", "params": {"iso": "2026-03-09 22:00"}}}}  # fmt: skip
    event.refresh_from_db()
    english = "group Staff: Staff level 1 allows Saturday 20:00–23:00, Sunday 08:00–09:00; not Monday 2026-03-09 22:00"
    assert event.explanation == [english]
    with translation.override("zh-hans"):
        chinese = message_text(event.explanation[0])
    assert "Monday" not in chinese and "Saturday" not in chinese and "20:00–23:00" in chinese
    assert "2026年3月9日 22:00" in chinese and "2026-03-09" not in chinese

    alert = Alert.objects.create(
        kind=Alert.Kind.TAMPER, door=door, message=access_texts.fill(access_texts.DOOR_TAMPER, door="Lab 2")
    )
    action = OperatorAction.objects.create(username="sam", action=access_texts.UNLOCK,
                                           detail=access_texts.fill(access_texts.FOR_MINUTES, minutes=5))  # fmt: skip
    assert json.loads(raw(Alert, alert.pk, "message")) == {"code": "access.door_tamper", "params": {"door": "Lab 2"}}
    assert json.loads(raw(OperatorAction, action.pk, "action")) == {"code": "access.unlock", "params": {}}
    action.refresh_from_db()
    alert.refresh_from_db()
    with translation.override("zh-hans"):
        assert message_text(action.action) == translation.gettext("unlock") != "unlock"
        assert message_text(action.detail) == translation.gettext("for %(minutes)s minutes") % {"minutes": "5"}
        assert message_text(alert.message).startswith("Lab 2") and "tamper" not in message_text(alert.message)
    assert str(alert) == "Lab 2: its tamper switch was triggered."  # the webhook's English


@pytest.mark.django_db
def test_a_soft_anti_passback_entry_and_a_refusals_explanation_are_kept_as_codes():
    from datetime import timedelta

    from django.utils import timezone

    from portal.access.models import AccessEvent
    from portal.access.services import access_attempt_decide
    from tests.portal.access.helpers import door_with_kiosk, grant

    person = make_person("Ana Lima", "77")
    door, _kiosk, _token = door_with_kiosk("Lab 2")
    door.zone.anti_passback = "soft"
    door.zone.save()
    grant(person, zones=[door.zone], any_time=True, closed_on_holidays=False)
    now = timezone.now()
    access_attempt_decide(door=door, side="entry", at=now, person=person)
    second = access_attempt_decide(door=door, side="entry", at=now + timedelta(seconds=1), person=person)
    stranger = access_attempt_decide(door=door, side="entry", at=now + timedelta(seconds=2), person=None)
    assert json.loads(raw(AccessEvent, second.pk, "explanation"))[-1] == {
        "code": "access.why.second_entry", "params": {},
    }  # fmt: skip
    assert json.loads(raw(AccessEvent, stranger.pk, "explanation")) == [
        {"code": "access.why.matched_nobody", "params": {}}
    ]
    second.refresh_from_db()
    stranger.refresh_from_db()
    with translation.override("en"):
        assert message_text(second.explanation[-1]) == "second entry without exit (soft anti-passback)"
        assert message_text(stranger.explanation[0]) == "the face matched nobody enrolled"
    with translation.override("zh-hans"):
        assert message_text(second.explanation[-1]) == "未离开即再次进入（软防潜回）"
        assert message_text(stranger.explanation[0]) == "人脸与任何已登记人员都不匹配"


@pytest.mark.django_db
def test_old_access_sentences_are_converted_by_the_migration():
    from django.utils import timezone

    from portal.access.models import AccessEvent, Alert, OperatorAction
    from tests.portal.access.helpers import door_with_kiosk

    door, _kiosk, _token = door_with_kiosk("Lab 2")
    alert = Alert.objects.create(kind=Alert.Kind.TAMPER, door=door, message="x")
    action = OperatorAction.objects.create(username="sam", action="x", detail="x")
    event = AccessEvent.objects.create(
        door=door, zone=door.zone, at=timezone.now(), direction="entry", result="denied", reason="outside_hours"
    )
    raw_set(Alert, alert.pk, "message", "Lab 2: 3 wrong PINs in a row for badge E-7.")
    raw_set(OperatorAction, action.pk, "action", "visitor pass ended")
    raw_set(OperatorAction, action.pk, "detail", "Ann (host Bo) until 2026-03-01 10:00")
    old_why = "group Staff: Staff level 1 allows Saturday 20:00–23:00, Sunday 08:00–09:00; not Monday 2026-03-09 22:00"
    raw_set(AccessEvent, event.pk, "explanation", json.dumps([old_why, "typed"]))

    importlib.import_module("portal.access.migrations.0012_stored_messages_as_codes").to_codes(apps, None)

    assert json.loads(raw(Alert, alert.pk, "message"))["code"] == "access.pin_guessing_badge"
    assert json.loads(raw(OperatorAction, action.pk, "action"))["code"] == "access.visitor_ended"
    assert json.loads(raw(OperatorAction, action.pk, "detail"))["params"]["host"] == "Bo"
    kept = json.loads(raw(AccessEvent, event.pk, "explanation"))
    assert kept[1] == "typed"
    # read as it was shown before codes: the template with more fixed words outermost
    assert kept[0]["code"] == "access.why.group"
    assert json.dumps(kept[0]).count('"code": "access.why.window"') == 2
    event.refresh_from_db()
    assert event.explanation == [old_why, "typed"]


@pytest.mark.django_db
def test_an_import_report_keeps_codes_and_an_old_one_converts(client):
    from portal.people import imports
    from portal.people.models import ImportJob

    report = imports.Report()
    report.skip("staff/Joe/notes.txt", imports._not_a_photo(""))
    report.reject("staff/Ana/1.jpg", "too_small", texts.fill(texts.TOO_SMALL, width=52, minimum=80))
    job = ImportJob.objects.create(filename="staff.zip", status=ImportJob.Status.DONE, report=report.as_dict())
    kept = json.loads(raw(ImportJob, job.pk, "report"))
    assert kept["skipped"][0]["reason"] == {
        "code": "import.not_a_photo", "params": {"suffix": {"code": "import.no_suffix", "params": {}}},
    }  # fmt: skip
    assert kept["rejected"][0]["examples"][0]["params"]["message"]["code"] == "recognition.too_small"
    job.refresh_from_db()
    assert job.report["skipped"] == [{"name": "staff/Joe/notes.txt", "reason": "not a photo (no suffix)"}]

    old = ImportJob.objects.create(filename="old.zip", status=ImportJob.Status.DONE, report={
        "skipped": [{"name": "a/b.txt", "reason": "not a photo (.txt)"}, {"name": "c", "reason": "odd"}],
        "rejected": [{"code": "too_small", "label": "face too small", "count": 1, "examples": [
            "a/1.jpg: The face is too small (52 pixels wide; at least 80 are needed). "
            "Move closer to the camera or use a larger photo."]}],
    })  # fmt: skip
    importlib.import_module("portal.people.migrations.0011_import_report_as_codes").to_codes(apps, None)
    kept = json.loads(raw(ImportJob, old.pk, "report"))
    assert kept["skipped"][0]["reason"] == {"code": "import.not_a_photo", "params": {"suffix": ".txt"}}
    assert kept["skipped"][1]["reason"] == "odd"
    example = kept["rejected"][0]["examples"][0]
    assert example["code"] == "import.example" and example["params"]["file"] == "a/1.jpg"
    assert example["params"]["message"]["params"] == {"width": "52", "minimum": "80"}
    old.refresh_from_db()
    with translation.override("zh-hans"):
        assert message_text(old.report["skipped"][0]["reason"]) == "不是照片（.txt）"
        assert message_text(old.report["rejected"][0]["examples"][0]).startswith("a/1.jpg: 人脸太小（宽 52 像素")


@pytest.mark.django_db
def test_ending_a_lockdown_ends_a_converted_alert_without_a_zone():
    from portal.access import texts as access_texts
    from portal.access.models import Alert, Zone
    from portal.access.services import zone_lockdown_end
    from tests.factories import make_user

    zone = Zone.objects.create(name='北楼 \\ "A"')
    said = access_texts.LOCKED_DOWN_BY % {"zone": zone.name, "user": "sam"}
    alert = Alert.objects.create(kind=Alert.Kind.LOCKDOWN, message=said)  # as the migration left an old one
    elsewhere = Alert.objects.create(
        kind=Alert.Kind.LOCKDOWN, message=access_texts.LOCKED_DOWN_BY % {"zone": "Lab", "user": "sam"}
    )
    assert json.loads(raw(Alert, alert.pk, "message"))["params"]["zone"] == zone.name
    zone_lockdown_end(zone=zone, user=make_user("sam"))
    alert.refresh_from_db()
    elsewhere.refresh_from_db()
    assert alert.acknowledged_at is not None and elsewhere.acknowledged_at is None


@pytest.mark.django_db
def test_old_import_and_delivery_errors_are_converted_by_their_migrations():
    from django.utils import timezone

    from portal.access.models import DoorCommand
    from portal.people.models import ImportJob
    from tests.portal.access.helpers import door_with_kiosk

    door, _kiosk, _token = door_with_kiosk("Lab 2")
    command = DoorCommand.objects.create(
        door=door, command="unlock", channel="mqtt", issued_at=timezone.now(), status="expired"
    )
    raw_set(DoorCommand, command.pk, "error", "MQTT broker 127.0.0.1:1883: [Errno 111] Connection refused")
    job = ImportJob.objects.create(filename="old.zip", status=ImportJob.Status.FAILED)
    too_long = "The import took too long; split the archive into smaller ones and import each."
    raw_set(ImportJob, job.pk, "error", too_long)
    typed = ImportJob.objects.create(filename="older.zip", status=ImportJob.Status.FAILED)
    raw_set(ImportJob, typed.pk, "error", "导入超时")  # stored in the worker's language then: kept as it is

    importlib.import_module("portal.access.migrations.0013_door_command_error_as_code").to_codes(apps, None)
    importlib.import_module("portal.people.migrations.0012_import_job_error_as_code").to_codes(apps, None)

    stored = json.loads(raw(DoorCommand, command.pk, "error"))
    assert stored == {
        "code": "access.delivery_mqtt_broker",
        "params": {"address": "127.0.0.1:1883", "detail": "[Errno 111] Connection refused"},
    }
    assert json.loads(raw(ImportJob, job.pk, "error"))["code"] == "import.too_long"
    assert raw(ImportJob, typed.pk, "error") == "导入超时"
    job.refresh_from_db()
    with translation.override("zh-hans"):
        assert "take" not in message_text(job.error) and message_text(job.error) != str(job.error)


@pytest.mark.django_db
def test_old_export_errors_are_converted_by_their_migration():
    from portal.reports.models import ReportExport
    from tests.factories import make_user

    user = make_user("vera")
    failed = ReportExport.objects.create(user=user, format="csv", filters={}, status="failed")
    raw_set(ReportExport, failed.pk, "error", "The export failed: [Errno 28] No space left on device")
    filters = ReportExport.objects.create(user=user, format="csv", filters={}, status="failed")
    raw_set(ReportExport, filters.pk, "error", "The filters are no longer valid: * date_from\n  * Enter a valid date.")
    typed = ReportExport.objects.create(user=user, format="csv", filters={}, status="failed")
    raw_set(ReportExport, typed.pk, "error", "导出耗时过长")  # stored in the worker's language then: kept as it is

    importlib.import_module("portal.reports.migrations.0005_export_error_as_code").to_codes(apps, None)

    assert json.loads(raw(ReportExport, failed.pk, "error")) == {
        "code": "export.failed",
        "params": {"error": "[Errno 28] No space left on device"},
    }
    assert json.loads(raw(ReportExport, filters.pk, "error"))["params"] == {
        "errors": "* date_from\n  * Enter a valid date."
    }
    assert raw(ReportExport, typed.pk, "error") == "导出耗时过长"
    failed.refresh_from_db()
    with translation.override("zh-hans"):
        assert message_text(failed.error) == "导出失败：[Errno 28] No space left on device"
