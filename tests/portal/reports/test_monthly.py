"""The monthly summary (月度汇总) on a crafted February 2026 in Asia/Shanghai, with China's calendar:
Saturday 14 and Saturday 28 are swapped working days (调休), 16-20 and 23 are the Spring Festival."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from portal.accounts.roles import VIEWER
from portal.attendance.calendar import calendar_import
from portal.attendance.models import DailySummary
from portal.attendance.schedules import shift_for_person
from portal.attendance.services import attendance_days_close, attendance_event_record
from portal.people.models import Person
from portal.reports.monthly import monthly_summary
from portal.reports.monthly_files import write_monthly_pdf, write_monthly_xlsx
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = date(2026, 2, 1)


def local(day, clock):
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, 2, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def february(db, settings):
    """张伟 works 09:00-17:00 on every working day of February 2026, except:
    Tue 3 late (09:20), Wed 4 absent, Thu 5 stays until 18:30 (1.5 h overtime),
    Fri 6 leaves at 16:40 (early), Mon 9 forgets to check out, Sat 14 (调休) works,
    Mon 16 (Spring Festival) works 10:00-12:00 (2 h overtime), Sat 28 (调休) absent."""
    settings.TIME_ZONE = "Asia/Shanghai"
    done = calendar_import(country="CN", year=2026)
    assert done.workdays >= 2
    person = make_person("张伟", "CN-0001", department="研发部")
    Person.objects.filter(pk=person.pk).update(created_at=datetime(2026, 1, 1, tzinfo=SHANGHAI))
    worked = [2, 3, 5, 6, 9, 10, 11, 12, 13, 14, 24, 25, 26, 27]
    special = {3: ("09:20", "17:00"), 5: ("09:00", "18:30"), 6: ("09:00", "16:40"), 9: ("09:00", None)}
    for day in worked:
        arrive, leave = special.get(day, ("09:00", "17:00"))
        attendance_event_record(person=person, at=local(day, arrive), source="kiosk")
        if leave:
            attendance_event_record(person=person, at=local(day, leave), source="kiosk")
    attendance_event_record(person=person, at=local(16, "10:00"), source="kiosk")
    attendance_event_record(person=person, at=local(16, "12:00"), source="kiosk")
    attendance_days_close(now=datetime(2026, 3, 1, 0, 5, tzinfo=SHANGHAI), lookback_days=31)
    return person


def test_the_swapped_saturday_is_a_working_day_and_the_festival_is_not(february):
    shift = shift_for_person(february)
    assert shift.is_working_day(date(2026, 2, 14)) and shift.is_working_day(date(2026, 2, 28))
    assert not shift.is_working_day(date(2026, 2, 16)) and not shift.is_working_day(date(2026, 2, 21))
    saturday = DailySummary.objects.get(person=february, day=date(2026, 2, 28))
    assert saturday.scheduled and saturday.absent


def test_the_monthly_figures_match_the_hand_computed_ones(february, settings):
    (month,) = monthly_summary(first=FIRST).people
    f = month.figures
    # working days: 20 weekdays - 6 festival days + 2 swapped Saturdays
    assert f.scheduled_days == 16
    # 14 working days with events + the festival day worked
    assert f.attendance_days == 15
    assert (f.late_count, f.late_minutes) == (1, 20)
    assert (f.early_count, f.early_minutes) == (1, 20)
    assert f.absent_days == 2  # Wednesday 4 and the swapped Saturday 28
    assert f.missing_punches == 1
    assert f.overtime_minutes == 90 + 120 and f.overtime_hours == 3.5
    # 14 days of 8 h, 20 min late, 90 min more, 20 min early; 2 h on the 16th
    assert f.worked_seconds == (14 * 480 - 20 + 90 - 20 + 120) * 60


def test_the_grid_marks_each_day_with_its_symbol_in_chinese_and_in_english(february):
    (month,) = monthly_summary(first=FIRST).people
    zh, en = month.symbols(zh=True), month.symbols(zh=False)
    expect = {
        1: "休",
        2: "√",
        3: "迟",
        4: "旷",
        5: "√加",
        6: "早",
        9: "缺",
        14: "√",
        16: "加",
        17: "节",
        21: "休",
        28: "旷",
    }
    assert {day: zh[day - 1] for day in expect} == expect
    assert [en[n - 1] for n in (2, 3, 4, 5, 6, 9, 16, 17)] == ["√", "L", "A", "√+", "E", "M", "+", "H"]
    notes = monthly_summary(first=FIRST).day_notes(zh=True)
    assert notes[13] == "班" and notes[15] == "休" and notes[0] == ""


def test_the_page_shows_the_figures_and_the_legend(client, february):
    client.force_login(make_user("vera", role=VIEWER))
    page = client.get(reverse("reports-monthly"), {"month": "2026-02"}).content.decode()
    assert "张伟" in page and "Attendance days" in page and "Legend" in page and "swapped working day" in page
    chinese = client.get(reverse("reports-monthly"), {"month": "2026-02"}, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    text = chinese.content.decode()
    assert "出勤天数" in text and "迟到" in text and "调休上班" in text and "旷" in text


def test_a_bad_month_is_refused(client, february):
    client.force_login(make_user("vera", role=VIEWER))
    assert client.get(reverse("reports-monthly"), {"month": "2026-13"}).status_code == 400


def test_xlsx_has_the_figures_and_the_grid(client, february):
    client.force_login(make_user("vera", role=VIEWER))
    response = client.get(reverse("reports-monthly-export", args=["xlsx"]), {"month": "2026-02"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header, row = rows[1], next(r for r in rows if r and r[1] == "张伟")
    assert header[3:5] == ("Scheduled days", "Attendance days")
    figures = dict(zip(header[3:15], row[3:15], strict=True))
    assert figures["Attendance days"] == 15 and figures["Absent days"] == 2 and figures["Overtime (h)"] == 3.5
    assert figures["Leave (days)"] == 0 and figures["Approved overtime (h)"] == 0
    days = row[15:]
    assert len(days) == 28 and days[2] == "L" and days[27] == "A"
    assert header[15 + 13] == "14\nW"  # the swapped Saturday's column


def test_pdf_reads_back_in_both_languages(february):
    for zh, expected in ((True, "出勤 15/16 天"), (False, "Attendance 15/16 days")):
        out = io.BytesIO()
        write_monthly_pdf(monthly_summary(first=FIRST), out, zh=zh)
        text = pypdf.PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text()
        assert "张伟 (CN-0001)" in text and expected in text
        assert ("加班 3.50 小时" if zh else "overtime 3.50 h") in text


def test_a_chinese_xlsx_has_chinese_titles_and_the_name(february, tmp_path):
    path = tmp_path / "m.xlsx"
    write_monthly_xlsx(monthly_summary(first=FIRST), path, zh=True)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "2026-02 月度汇总" and rows[1][:2] == ("员工编号", "姓名")
    assert any(r and r[1] == "张伟" for r in rows)


def test_next_month_starts_empty(february):
    (month,) = monthly_summary(first=FIRST + timedelta(days=28)).people
    assert month.figures.attendance_days == 0
