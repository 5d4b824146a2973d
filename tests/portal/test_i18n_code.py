"""Texts made in Python (forms, messages, API errors, exports, door and kiosk answers)
come out in the reader's language: Simplified Chinese for a Chinese browser, English otherwise."""

import csv
import io
from datetime import timedelta

import openpyxl
import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from portal.access.models import AccessEvent
from portal.access.services import access_attempt_decide, zone_lockdown
from portal.accounts.roles import HR, SECURITY, VIEWER
from portal.api.services import api_token_create
from portal.core.messages import message_text
from portal.kiosks.selectors import kiosk_badge_view
from portal.reports.models import ReportExport
from portal.reports.services import report_export_request, report_export_run
from recognition import quality, texts
from tests.factories import make_person, make_user
from tests.portal.access.helpers import ALWAYS, door_with_kiosk, grant
from tests.portal.reports.conftest import week  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}


@pytest.fixture(autouse=True)
def no_door_channels(settings):
    settings.DOOR_MQTT_HOST = ""
    settings.DOOR_WEBHOOK_URL = ""


def signed_in(client, name, role):
    client.force_login(make_user(name, role=role))
    return client


def download(client, fmt, headers):
    response = client.get(reverse("report-export", args=[fmt]), WEEK, **headers)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


# --- forms and messages ---------------------------------------------------------------


def test_a_form_error_comes_out_in_chinese(client):
    signed_in(client, "vera", VIEWER)
    bad = {"date_from": "2026-03-09", "date_to": "2026-03-01"}
    chinese = client.get(reverse("report-export", args=["csv"]), bad, **ZH).content.decode()
    english = client.get(reverse("report-export", args=["csv"]), bad, **EN).content.decode()
    assert "开始日期晚于结束日期。" in chinese
    assert "The start date is after the end date." in english and "开始日期" not in english


def test_a_flash_message_comes_out_in_chinese(client):
    signed_in(client, "hana", HR)
    person = make_person("张伟", "CN-0001")
    page = client.post(reverse("people:active", args=[person.pk]), {"active": "0"}, follow=True, **ZH)
    assert "张伟 已停用：不再被识别。" in page.content.decode()
    page = client.post(reverse("people:active", args=[person.pk]), {"active": "1"}, follow=True, **EN)
    assert "张伟 is active again." in page.content.decode()


# --- the API -----------------------------------------------------------------------------


def api_client(role):
    _, key = api_token_create(name=f"{role} sync", role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_an_api_validation_error_comes_out_in_the_request_language():
    hr = api_client(HR)
    blank = hr.post(reverse("api:person-list"), {"name": " ", "employee_id": "CN-1"}, format="json", **ZH)
    assert blank.status_code == 400 and blank.json()["error"]["message"] == "部分值无效：name。"
    make_person("Ana Lima", "CN-1")
    taken = hr.post(reverse("api:person-list"), {"name": "Bo", "employee_id": "CN-1"}, format="json", **ZH)
    assert taken.status_code == 409
    assert taken.json()["error"]["fields"]["employee_id"] == ["另一人已使用此员工编号。"]
    english = hr.post(reverse("api:person-list"), {"name": "Bo", "employee_id": "CN-1"}, format="json", **EN)
    assert english.json()["error"]["fields"]["employee_id"] == ["Another person has this employee ID."]


def test_an_api_role_refusal_and_a_bad_token_come_out_in_chinese():
    viewer = api_client(VIEWER)
    refused = viewer.get(reverse("api:person-list"), **ZH)
    assert refused.status_code == 403 and refused.json()["error"]["message"] == "只有人事经理和管理员可以执行此操作。"
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    answer = stranger.get(reverse("api:person-list"), **ZH)
    assert answer.status_code == 401 and answer.json()["error"]["message"] == "令牌无效或已被吊销。"


def test_throttling_of_wrong_tokens_says_so_in_chinese(settings):
    settings.SECRET_FAILURES_PER_ADDRESS = 2
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    for _attempt in range(2):
        stranger.get(reverse("api:person-list"), **ZH)
    throttled = stranger.get(reverse("api:person-list"), **ZH)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["message"].startswith("来自此地址的错误令牌过多。")


# --- exports -------------------------------------------------------------------------------


def test_csv_headers_in_chinese_for_a_chinese_reader_and_in_english_for_an_english_one(client, week):  # noqa: F811
    signed_in(client, "vera", VIEWER)
    chinese = list(csv.reader(io.StringIO(download(client, "csv", ZH).decode("utf-8-sig"))))
    english = list(csv.reader(io.StringIO(download(client, "csv", EN).decode("utf-8-sig"))))
    assert chinese[0][:3] == ["日期", "员工编号", "人员"] and chinese[-1][0] == "合计"
    assert english[0][:3] == ["Date", "Employee ID", "Person"] and english[-1][0] == "Total"
    assert "出勤" in {row[4] for row in chinese[1:-1]} and "present" in {row[4] for row in english[1:-1]}


def test_xlsx_headers_and_sheet_name_in_chinese(client, week):  # noqa: F811
    signed_in(client, "vera", VIEWER)
    book = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx", ZH)))
    header = next(book.active.iter_rows(values_only=True))
    assert book.active.title == "每日汇总" and header[0] == "日期" and header[7] == "工作时长"
    english = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx", EN)))
    assert english.active.title == "Daily summaries" and next(english.active.iter_rows(values_only=True))[0] == "Date"


def test_pdf_timesheet_reads_back_in_chinese_and_in_english(client, week, settings):  # noqa: F811
    settings.ORGANIZATION_NAME = "Acme"
    signed_in(client, "vera", VIEWER)
    chinese = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(download(client, "pdf", ZH))).pages]
    assert "Acme：考勤表" in chinese[0] and "第 1 页，共 3 页" in chinese[0]
    assert "员工编号 1042" in chinese[0] and "合计" in chinese[0] and "2 人" in chinese[2]
    english = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(download(client, "pdf", EN))).pages]
    assert "Acme: timesheet" in english[0] and "Page 1 of 3" in english[0] and "employee ID 1042" in english[0]


def test_a_background_export_is_written_in_the_language_of_the_user_who_asked(week, django_capture_on_commit_callbacks):  # noqa: F811
    user = make_user("vera", role=VIEWER)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=False):
        export = report_export_request(user=user, fmt="csv", query=WEEK, rows_total=10)
    assert export.language == "zh-hans"
    # the worker runs with no language of its own
    with translation.override("en"):
        report_export_run(export=ReportExport.objects.get(pk=export.pk))
    export.refresh_from_db()
    assert export.status == ReportExport.Status.DONE, export.error
    with export.file.open("rb") as handle:
        assert handle.read().decode("utf-8-sig").splitlines()[0].startswith("日期,员工编号,人员")


# --- doors, alerts and the kiosk ---------------------------------------------------------------


def test_a_refusal_recorded_in_english_reads_in_chinese(client):
    person = make_person("Ana Lima", "77")
    door, _kiosk, _token = door_with_kiosk("Lab 2")
    with translation.override("en"):
        event = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=person)
    assert event.reason == "no_access" and AccessEvent.objects.get(pk=event.pk).message == "No access to this door"
    signed_in(client, "sam", SECURITY)
    chinese = client.get(reverse("access-log"), **ZH).content.decode()
    assert "无权通过此门" in chinese and "No access to this door" not in chinese
    assert "No access to this door" in client.get(reverse("access-log"), **EN).content.decode()
    export = client.get(reverse("access-log-export", args=["csv"]), **ZH)
    lines = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert lines[0][:3] == ["时间", "门", "区域"] and lines[1][-1] == "无权通过此门"


def test_an_alert_stored_in_english_reads_in_chinese(client):
    door, _kiosk, _token = door_with_kiosk("Lab 2", zone="Research")
    with translation.override("en"):
        zone_lockdown(zone=door.zone, user=make_user("sam", role=SECURITY), reason="fire drill")
    signed_in(client, "sue", SECURITY)
    page = client.get(reverse("access-doors"), **ZH).content.decode()
    assert "Research 已被 sam 封锁：fire drill" in page


def test_the_operators_audit_trail_stored_in_english_reads_in_chinese(client):
    door, _kiosk, _token = door_with_kiosk("Lab 2", zone="Research")
    signed_in(client, "sam", SECURITY)
    client.post(reverse("access-door-unlock", args=[door.pk]), {"minutes": "15"}, follow=True, **EN)
    page = client.get(reverse("access-doors"), **ZH).content.decode()
    assert "开门" in page and "15 分钟" in page and "for 15 minutes" not in page
    assert "for 15 minutes" in client.get(reverse("access-doors"), **EN).content.decode()


def test_a_days_status_has_a_label_in_the_readers_language(week):  # noqa: F811
    from portal.attendance.models import DailySummary

    row = DailySummary.objects.filter(event_count__gt=0, scheduled=True).first()
    assert row.status == "present"  # the API's word, whatever the language
    with translation.override("zh-hans"):
        assert row.status == "present" and row.status_label == "出勤"


def test_the_kiosk_answers_in_chinese(settings):
    settings.DOOR_WEBHOOK_URL, settings.DOOR_WEBHOOK_SECRET = "http://127.0.0.1:9/door", "s"
    person = make_person("张伟", "CN-0001")
    door, _kiosk, _token = door_with_kiosk("Lobby", zone="HQ")
    grant(person, doors=[door], windows=ALWAYS)
    with translation.override("en"):
        granted = access_attempt_decide(door=door, side="entry", at=timezone.now(), person=person)
        refused = access_attempt_decide(
            door=door, side="entry", at=timezone.now() + timedelta(seconds=1), person=make_person("Bo", "2")
        )
    with translation.override("zh-hans"):
        assert kiosk_badge_view(event=granted)["message"] == "门已打开。您好，张伟"
        assert kiosk_badge_view(event=refused)["message"] == "无权通过此门"
    with translation.override("en"):
        assert kiosk_badge_view(event=granted)["message"] == "Door open. Hello, 张伟"


def test_the_greeting_is_a_whole_sentence_in_each_language():
    from portal.attendance.models import AttendanceEvent
    from portal.kiosks.selectors import greeting

    morning = timezone.localtime().replace(hour=8)
    with translation.override("zh-hans"):
        said = greeting(morning, AttendanceEvent.Direction.OUT) % {"name": "张伟", "at": "18:02"}
        assert said == "再见，张伟，已于 18:02 签退"
        assert greeting(morning, AttendanceEvent.Direction.IN) % {"name": "张伟", "at": "08:55"} == (
            "早上好，张伟，已于 08:55 签到"
        )
    with translation.override("en"):
        assert greeting(morning, AttendanceEvent.Direction.OUT) % {"name": "José", "at": "18:02"} == (
            "Goodbye, José, checked out at 18:02"
        )


# --- photo reasons -------------------------------------------------------------------------------


def test_a_rejection_reason_stored_in_english_reads_in_chinese_with_its_figures():
    problem = quality.Problem("too_small", texts.fill(texts.TOO_SMALL, width=52, minimum=80))
    with translation.override("zh-hans"):
        assert message_text(problem.message) == (
            "人脸太小（宽 52 像素；至少需要 80 像素）。请靠近摄像头或使用更大的照片。"
        )
        lookalike = texts.fill(texts.LOOKALIKE, name="Zhang (Wei)", employee_id="CN-1", distance="0.31")
        assert message_text(lookalike).startswith("此人脸与 Zhang (Wei)（员工 CN-1）相似（距离 0.31）")
        assert message_text("an operator's own words") == "an operator's own words"
    with translation.override("en"):
        assert message_text(problem.message) == problem.message


def test_why_a_door_stayed_shut_reads_in_chinese_whatever_the_language_it_was_recorded_in(client):
    from datetime import datetime, time

    person = make_person("Ana Lima", "77")
    door, _kiosk, _token = door_with_kiosk("Lab 2")
    grant(person, doors=[door], windows=[(6, time(20), time(23))], group="Staff")
    monday_night = timezone.make_aware(datetime(2026, 3, 9, 22, 0))
    with translation.override("en"):
        event = access_attempt_decide(door=door, side="entry", at=monday_night, person=person)
    assert event.explanation == ["group Staff: Staff level 1 allows Saturday 20:00–23:00; not Monday 2026-03-09 22:00"]
    signed_in(client, "sam", SECURITY)
    answer = client.get(
        reverse("access-explain"),
        {"person": person.pk, "door": door.pk, "at": "2026-03-09T22:00"},
        **ZH,
    ).content.decode()
    assert "门禁组 Staff：Staff level 1 允许的时段：星期六 20:00–23:00；不包括 星期一 2026年3月9日 22:00" in answer
    assert "不在您的通行时段内" in answer
    log = client.get(reverse("access-log"), **ZH).content.decode()
    assert "不包括 星期一 2026年3月9日 22:00" in log


def test_an_import_report_written_in_english_reads_in_chinese(client):
    from portal.people.imports import HIDDEN, NOT_A_PHOTO, Report
    from portal.people.models import ImportJob

    report = Report()
    report.skip("staff/Joe/notes.txt", NOT_A_PHOTO % {"suffix": ".txt"})  # kept as codes
    report.skip("staff/.DS_Store", HIDDEN)
    report.reject("staff/Ana/1.jpg", "too_small", texts.fill(texts.TOO_SMALL, width=52, minimum=80))
    job = ImportJob.objects.create(filename="staff.zip", status=ImportJob.Status.DONE, report=report.as_dict())
    signed_in(client, "hana", HR)
    page = client.get(reverse("people:import", args=[job.pk]), **ZH).content.decode()
    assert "不是照片（.txt）" in page and "隐藏文件或系统文件；已跳过" in page
    assert "人脸太小" in page and "staff/Ana/1.jpg: 人脸太小（宽 52 像素" in page
    english = client.get(reverse("people:import", args=[job.pk]), **EN).content.decode()
    assert "not a photo (.txt)" in english and "face too small" in english


def test_every_stored_sentence_of_recognition_has_a_chinese_translation():
    from portal.access.rules import WHY
    from portal.access.texts import ACTIONS, ALERTS, DETAILS, REASONS

    stored = [*texts.ALL, *ALERTS, *ACTIONS, *DETAILS, *REASONS.values(), *WHY]
    with translation.override("zh-hans"):
        missing = [t for t in stored if translation.gettext(t) == t and "%(weekday)s" not in t]
    assert missing == []
