"""Dates in the reader's format wherever the portal shows one (issue 25, item 15): the review list
and entry, the video page, the dates inside door reasons and visitor passes. English reads ISO
(2026-10-01, as the portal always wrote it), Chinese 2026年10月1日; a date inside a stored
message is kept as a date and written out for whoever reads it, not in the language of the
worker that decided."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from portal.access.models import AccessEvent, OperatorAction, Visitor
from portal.access.selectors import access_explain
from portal.access.services import access_attempt_decide, access_verdict
from portal.access.visitors import _host_tell, visitor_pass_end
from portal.accounts.roles import HR, SECURITY
from portal.attendance.calendar import calendar_import
from portal.core.messages import message_date, message_datetime, message_text
from portal.employees.models import Notification
from portal.review.models import UnknownFace, UnknownSighting
from recognition.models import VideoJob
from tests.factories import make_employee, make_person, make_user
from tests.portal.access.helpers import door_with_kiosk, grant

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.DOOR_MQTT_HOST = ""
    settings.DOOR_WEBHOOK_URL = ""


def both(client, url, **query):
    """The page as a Chinese and as an English reader gets it."""
    pages = []
    for headers in (ZH, EN):
        response = client.get(url, query, **headers)
        assert response.status_code == 200, response.content[:300]
        pages.append(response.content.decode())
    return pages


def in_both(message):
    with translation.override("zh-hans"):
        chinese = message_text(message)
    with translation.override("en"):
        english = message_text(message)
    return chinese, english


def test_a_date_in_a_message_reads_in_the_readers_format_and_its_english_stays_iso():
    day, at = message_date(datetime(2026, 10, 1).date()), message_datetime(datetime(2026, 10, 1, 9, 5))
    assert (str(day), str(at)) == ("2026-10-01", "2026-10-01 09:05")
    assert in_both(day) == ("2026年10月1日", "2026-10-01")
    assert in_both(at) == ("2026年10月1日 09:05", "2026-10-01 09:05")


def test_the_review_list_and_entry_show_when_a_face_was_seen_in_the_readers_format(client):
    seen = datetime(2026, 10, 1, 9, 5, tzinfo=SHANGHAI)
    face = UnknownFace.objects.create(encoding=b"", picture=b"", seen=1, first_seen=seen, last_seen=seen)
    UnknownSighting.objects.create(face=face, at=seen + timedelta(seconds=7), source="upload")
    client.force_login(make_user("hana", role=HR))
    chinese, english = both(client, reverse("review"))
    assert "2026年10月1日 09:05" in chinese and "2026-10-01" not in chinese
    assert "2026-10-01 09:05" in english
    chinese, english = both(client, reverse("review-entry", args=[face.pk]))
    assert "2026年10月1日 09:05" in chinese and "2026年10月1日 09:05:07" in chinese
    assert "2026-10-01" not in chinese
    assert "2026-10-01 09:05:07" in english


def test_the_video_page_says_when_it_was_uploaded_in_the_readers_format(client):
    job = VideoJob.objects.create(status="done", result={"frames": 3, "analysed_fps": 1}, duration=3, filename="a.mp4")
    VideoJob.objects.filter(pk=job.pk).update(created_at=datetime(2026, 10, 1, 1, 5, tzinfo=UTC))
    client.force_login(make_user("hana", role=HR))
    chinese, english = both(client, reverse("video", args=[job.pk]))
    assert "2026年10月1日 09:05" in chinese and "2026-10-01" not in chinese
    assert "2026-10-01 09:05" in english


def test_a_door_refusal_on_a_holiday_names_the_day_in_the_readers_format(client):
    door, _kiosk, _token = door_with_kiosk("Main entrance")
    ana = make_person("Ana Staff", employee_id="e1")
    grant(ana, doors=[door], windows=[(d, time(8), time(18)) for d in range(1, 6)], closed_on_holidays=True)
    calendar_import(country="CN", year=2026)
    national_day = datetime(2026, 10, 1, 10, tzinfo=SHANGHAI)
    with translation.override("en"):  # decided by a worker, in no reader's language
        access_attempt_decide(door=door, side="entry", at=national_day, person=ana)
    event = AccessEvent.objects.get()
    chinese, english = (" ".join(text) for text in zip(*(in_both(m) for m in event.explanation), strict=True))
    assert "2026年10月1日" in chinese and "2026-10-01" not in chinese, chinese
    assert "2026-10-01 is a holiday" in english and "2026-10-01 10:00" in english, english
    # the "Who may pass?" page too
    assert not access_explain(person=ana, door=door, at=national_day).granted
    client.force_login(make_user("sam", role=SECURITY))
    query = {"person": ana.pk, "door": door.pk, "at": "2026-10-01T10:00"}
    chinese, english = both(client, reverse("access-explain"), **query)
    assert "2026年10月1日" in chinese and "2026-10-01 is a holiday" in english


def test_a_visitor_pass_reads_its_times_in_the_readers_format_and_the_doors_time_zone():
    door, _kiosk, _token = door_with_kiosk("Main entrance")
    host, host_user = make_employee("Hana Host")
    starts = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    visitor = Visitor.objects.create(
        name="Vera Visitor",
        host=host,
        person=make_person("Vera Visitor", employee_id="visitor-1"),
        valid_from=starts,
        valid_until=starts + timedelta(hours=8),
    )
    visitor.doors.set([door])
    # the door refuses the pass the next day: its reason gives the pass's times as the door's clock reads
    verdict = access_verdict(door=door, person=visitor.person, at=starts + timedelta(days=1))
    assert verdict.reason == "pass_expired"
    chinese, english = in_both(verdict.why[0])
    assert "2026年10月1日 09:00" in chinese and "2026年10月1日 17:00" in chinese and "2026-10" not in chinese
    assert english == "the visitor pass is valid 2026-10-01 09:00 to 2026-10-01 17:00"
    # the host's notice
    note = _host_tell(visitor, Notification.Kind.VISITOR_REGISTERED, doors="Main entrance")
    note.refresh_from_db()
    with translation.override("zh-hans"):
        assert "2026年10月1日 09:00" in note.text and "2026-10" not in note.text
    with translation.override("en"):
        assert "from 2026-10-01 09:00 until 2026-10-01 17:00" in note.text
    # the audit trail when a pass still running is ended
    Visitor.objects.filter(pk=visitor.pk).update(valid_until=timezone.now() + timedelta(hours=1))
    visitor_pass_end(visitor=visitor, user=make_user("sam", role=SECURITY))
    ended = timezone.localtime(visitor.valid_until)  # now, as the pass was ended
    chinese, english = in_both(OperatorAction.objects.get().detail)
    with translation.override("zh-hans"):
        assert chinese.endswith(formats.date_format(ended, "SHORT_DATETIME_FORMAT")), chinese
    assert english.endswith(f"until {ended:%Y-%m-%d %H:%M}"), english


def test_a_missing_check_out_notice_names_the_day_in_the_readers_format():
    _person, user = make_employee("Ana Staff")
    note = Notification.objects.create(user=user, kind=Notification.Kind.MISSING_CHECKOUT, params={"day": "2026-10-01"})
    with translation.override("zh-hans"):
        assert "2026年10月1日" in note.text and "2026-10-01" not in note.text
    with translation.override("en"):
        assert note.text == "No check-out was recorded on 2026-10-01: ask for a missed punch."
