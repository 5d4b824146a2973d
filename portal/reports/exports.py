"""Report files: CSV, XLSX and a PDF timesheet, written row by row.

Each writer takes an iterator of DailySummary rows (person and department
loaded), writes as it goes and returns the Totals it added up, so a year of a
thousand people never sits in memory (the XLSX workbook is openpyxl's
write-only kind; the PDF is fpdf2's, see pdf.py).
"""

import csv
import itertools
import math
import tempfile
import zipfile
from datetime import date, timedelta

from django.conf import settings
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.attendance.models import summary_status
from portal.core.spreadsheets import spreadsheet_safe
from portal.reports.pdf import A4, Document, font_subset
from portal.reports.selectors import Totals

# in the language active when the file is written (the requesting user's: see tasks and views)
HEADERS = [
    gettext_lazy("Date"),
    gettext_lazy("Employee ID"),
    gettext_lazy("Person"),
    gettext_lazy("Department"),
    gettext_lazy("Status"),
    gettext_lazy("First in"),
    gettext_lazy("Last out"),
    gettext_lazy("Worked"),
    gettext_lazy("Worked hours"),
    gettext_lazy("Late (min)"),
    gettext_lazy("Early (min)"),
    gettext_lazy("Missing check-out"),
    gettext_lazy("Overtime"),
    gettext_lazy("Leave"),
    gettext_lazy("Leave hours"),
    gettext_lazy("Approved overtime"),
]
WIDTHS = [12, 14, 26, 18, 18, 17, 17, 9, 13, 10, 11, 17, 10, 22, 11, 17]
PROGRESS_EVERY = 1000
FIELDS = [
    "day",
    "person_id",
    "person__name",
    "person__employee_id",
    "person__department__name",
    "scheduled",
    "holiday",
    "first_in",
    "last_out",
    "worked_seconds",
    "late_minutes",
    "early_minutes",
    "missing_checkout",
    "absent",
    "event_count",
    "overtime_seconds",
    "leave_type",
    "leave_seconds",
    "approved_overtime_seconds",
]


class ExportRow:
    """One daily summary as the files need it: read with values_list, because
    building a model instance per row would be most of an export's time."""

    __slots__ = [f.replace("person__", "").replace("department__name", "department") for f in FIELDS]

    def __init__(self, values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)
        self.department = self.department or ""

    @classmethod
    def from_summary(cls, summary):
        """The same from a DailySummary instance (slower: it is a whole model)."""
        person = summary.person
        values = {"name": person.name, "employee_id": person.employee_id}
        values["department"] = person.department.name if person.department_id else ""
        return cls([values.get(name, getattr(summary, name, None)) for name in cls.__slots__])

    @property
    def person_name(self):
        return self.name

    @property
    def status(self):
        return summary_status(self)

    @property
    def leave_label(self):
        """The leave type in the reader's language (a built-in type's name is our msgid)."""
        return leave_type_label(self.leave_type) if self.leave_seconds else ""

    @property
    def status_label(self):
        return _(summary_status(self))


def leave_type_label(name):
    """A day's leave type in the reader's language: a built-in type's stored name is
    our own English msgid (portal.requests.models.LeaveType.BUILTIN), HR's are as typed."""
    return _(name) if name else ""


def export_rows(summaries, chunk=2000):
    """Stream ExportRows from a DailySummary queryset, `chunk` rows per fetch."""
    return (ExportRow(values) for values in summaries.values_list(*FIELDS).iterator(chunk_size=chunk))


def hm(seconds):
    minutes = int(seconds) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def local(at):
    """Naive local time for the files (spreadsheets have no time zones)."""
    return at.astimezone(_zone()).replace(tzinfo=None) if at else None


def _zone():
    return timezone.get_current_timezone()


def _counted(rows, totals, progress):
    for n, row in enumerate(rows, 1):
        if not isinstance(row, ExportRow):
            row = ExportRow.from_summary(row)
        yield totals.add(row)
        if progress and n % PROGRESS_EVERY == 0:
            progress(n)


def totals_text(totals):
    return (
        _("%(people)s people, %(days)s days") % {"people": len(totals.people), "days": totals.days},
        _("%(present)s present, %(absent)s absent") % {"present": totals.present, "absent": totals.absent},
    )


# --- CSV --------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


BOM = "\ufeff"


def csv_lines(rows, totals, *, progress=None, bom=True):
    """The CSV as an iterator of lines (for a streaming response); fills `totals`.

    `bom`: the first line starts with the UTF-8 byte-order mark, without which
    Excel on Windows reads the file in the machine's code page (张伟 becomes
    "å¼ ä¼Ÿ"); programs reading the CSV may ask for it without (`bom=0`).
    """
    writer = csv.writer(_Echo())
    yield (BOM if bom else "") + writer.writerow([str(h) for h in HEADERS])
    for row in _counted(rows, totals, progress):
        yield writer.writerow(
            [
                row.day.isoformat(),
                spreadsheet_safe(row.employee_id),
                spreadsheet_safe(row.person_name),
                spreadsheet_safe(row.department),
                _(row.status),
                f"{local(row.first_in):%Y-%m-%d %H:%M}" if row.first_in else "",
                f"{local(row.last_out):%Y-%m-%d %H:%M}" if row.last_out else "",
                hm(row.worked_seconds),
                f"{row.worked_seconds / 3600:.2f}",
                row.late_minutes,
                row.early_minutes,
                _("yes") if row.missing_checkout else "",
                hm(row.overtime_seconds),
                spreadsheet_safe(row.leave_label),
                f"{row.leave_seconds / 3600:.2f}" if row.leave_seconds else "",
                hm(row.approved_overtime_seconds) if row.approved_overtime_seconds else "",
            ]
        )
    people, days = totals_text(totals)
    yield writer.writerow(
        [
            _("Total"),
            "",
            people,
            "",
            days,
            "",
            "",
            hm(totals.worked_seconds),
            f"{totals.worked_seconds / 3600:.2f}",
            totals.late_minutes,
            totals.early_minutes,
            totals.missing_checkouts,
            hm(totals.overtime_seconds),
            _("%(count)s days on leave") % {"count": totals.leave_days},
            f"{totals.leave_seconds / 3600:.2f}",
            hm(totals.approved_overtime_seconds),
        ]
    )


def write_csv(rows, out, *, progress=None, bom=True):
    """`out`: a text file. Returns the Totals."""
    totals = Totals()
    for line in csv_lines(rows, totals, progress=progress, bom=bom):
        out.write(line)
    return totals


# --- XLSX -------------------------------------------------------------------------


def write_xlsx(rows, path, *, progress=None):
    """A real spreadsheet: typed dates, times and durations, widths, a totals row."""
    totals = Totals()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Daily summaries"))
    for i, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value, fmt=None, font=None):
        c = WriteOnlyCell(sheet, value=value)
        if fmt:
            c.number_format = fmt
        if font:
            c.font = font
        return c

    sheet.append([cell(str(h), font=bold) for h in HEADERS])
    for row in _counted(rows, totals, progress):
        sheet.append(
            [
                cell(row.day, "yyyy-mm-dd"),
                spreadsheet_safe(row.employee_id),
                spreadsheet_safe(row.person_name),
                spreadsheet_safe(row.department),
                _(row.status),
                cell(local(row.first_in), "yyyy-mm-dd hh:mm"),
                cell(local(row.last_out), "yyyy-mm-dd hh:mm"),
                cell(timedelta(seconds=row.worked_seconds), "[h]:mm"),
                cell(round(row.worked_seconds / 3600, 2), "0.00"),
                row.late_minutes,
                row.early_minutes,
                _("yes") if row.missing_checkout else "",
                cell(timedelta(seconds=row.overtime_seconds), "[h]:mm"),
                spreadsheet_safe(row.leave_label),
                cell(round(row.leave_seconds / 3600, 2), "0.00") if row.leave_seconds else None,
                cell(timedelta(seconds=row.approved_overtime_seconds), "[h]:mm")
                if row.approved_overtime_seconds
                else None,
            ]
        )
    people, days = totals_text(totals)
    sheet.append(
        [
            cell(_("Total"), font=bold),
            None,
            cell(people, font=bold),
            None,
            cell(days, font=bold),
            None,
            None,
            cell(timedelta(seconds=totals.worked_seconds), "[h]:mm", bold),
            cell(round(totals.worked_seconds / 3600, 2), "0.00", bold),
            cell(totals.late_minutes, font=bold),
            cell(totals.early_minutes, font=bold),
            cell(totals.missing_checkouts, font=bold),
            cell(timedelta(seconds=totals.overtime_seconds), "[h]:mm", bold),
            cell(_("%(count)s days on leave") % {"count": totals.leave_days}, font=bold),
            cell(round(totals.leave_seconds / 3600, 2), "0.00", bold),
            cell(timedelta(seconds=totals.approved_overtime_seconds), "[h]:mm", bold),
        ]
    )
    book.save(path)
    return totals


# --- PDF --------------------------------------------------------------------------

PAGE_W, PAGE_H = A4
MARGIN = 40
LINE = 14
TOP = PAGE_H - MARGIN - 58  # first table line, under the page header
ROWS_PER_PAGE = int((TOP - MARGIN - 30) // LINE)
PDF_COLUMNS = [  # (title, x)
    (gettext_lazy("Date"), 0),
    (gettext_lazy("Day"), 58),
    (gettext_lazy("Status"), 84),
    (gettext_lazy("In"), 168),
    (gettext_lazy("Out"), 200),
    (gettext_lazy("Worked"), 232),
    (gettext_lazy("Overtime"), 268),
    (pgettext_lazy("timesheet column: approved overtime", "Approved"), 308),
    (gettext_lazy("Leave"), 348),
    (gettext_lazy("Late"), 380),
    (gettext_lazy("Early"), 410),
    (gettext_lazy("Flags"), 440),
]


def pdf_page_count(person_counts):
    """Pages of the timesheet: every person starts a page; each has a totals line;
    with more than one person, a last page holds the grand totals."""
    pages = sum(max(1, math.ceil((n + 1) / ROWS_PER_PAGE)) for n in person_counts)
    return max(pages, 1) + (1 if len(person_counts) > 1 else 0)


def pdf_document(out, *, title, font=None):
    """A PDF with the portal's font (or `font`, a subset of it), which prints names in every script."""
    fallback = settings.PORTAL_FALLBACK_FONT_PATH
    if font:
        return Document(out, title=title, font_path=font, fallback_path=fallback)
    return Document(
        out,
        title=title,
        font_path=settings.PORTAL_FONT_PATH,
        font_index=settings.PORTAL_FONT_INDEX,
        fallback_path=fallback,
    )


DATE_GAP = 6  # points between the date and the day of the week
DATE_ROOM_MAX = 30  # the most the date may take from the day and status columns


def _columns(pdf):
    """Where each column starts: a date in the reader's format (2026年12月28日 is 70 points where
    2026-12-28 is 49) pushes the day and status columns right, into the status column's room."""
    widest = pdf.width(formats.date_format(date(2026, 12, 28), "SHORT_DATE_FORMAT"))
    room = min(max(0.0, widest + DATE_GAP - PDF_COLUMNS[1][1]), DATE_ROOM_MAX)
    return [x + room if column in (1, 2) else x for column, (_title, x) in enumerate(PDF_COLUMNS)]


class _Timesheet:
    def __init__(self, out, *, organization, period, pages, font=None, logo=None):
        self.pdf = pdf_document(
            out,
            title=_("%(organization)s timesheet %(period)s") % {"organization": organization, "period": period},
            font=font,
        )
        self.columns = _columns(self.pdf)
        self.organization, self.period, self.pages, self.logo = organization, period, pages, logo
        self.page = 0
        self.y = None

    def new_page(self, heading):
        if self.page:
            self.pdf.show_page()
        self.page += 1
        pdf = self.pdf
        x = MARGIN
        if self.logo:  # beside the organization's name, its bottom a little under the name's line
            x += pdf.image(MARGIN, PAGE_H - MARGIN - 4, self.logo, height=24) + 8
        pdf.text(
            x,
            PAGE_H - MARGIN,
            _("%(organization)s: timesheet") % {"organization": self.organization},
            bold=True,
            size=14,
        )
        pdf.text(MARGIN, PAGE_H - MARGIN - 16, _("Period: %(period)s") % {"period": self.period}, size=10)
        pdf.text(MARGIN, PAGE_H - MARGIN - 30, heading, size=10)
        pdf.text(
            PAGE_W - MARGIN - 70,
            MARGIN - 20,
            _("Page %(page)s of %(pages)s") % {"page": self.page, "pages": self.pages},
            size=10,
        )
        printed = formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")  # the reader's way
        pdf.text(MARGIN, MARGIN - 20, _("Printed %(at)s") % {"at": printed}, size=10)
        self.y = TOP
        self.line([str(title) for title, _x in PDF_COLUMNS], bold=True)

    def line(self, cells, bold=False):
        self.pdf.line(self.y, [(MARGIN + x, v) for x, v in zip(self.columns, cells, strict=False)], bold=bold)
        self.y -= LINE

    def full(self):
        return self.y < MARGIN + 30


def _person_heading(row):
    values = {"name": row.person_name, "employee_id": row.employee_id, "department": row.department}
    if row.department:
        return _("%(name)s (employee ID %(employee_id)s, %(department)s)") % values
    return _("%(name)s (employee ID %(employee_id)s)") % values


def _totals_cells(t, label):
    return [
        label,
        "",
        _("%(count)s present") % {"count": t.present},
        _("%(count)s absent") % {"count": t.absent},
        "",
        hm(t.worked_seconds),
        hm(t.overtime_seconds),
        hm(t.approved_overtime_seconds),
        hm(t.leave_seconds),
        _("%(count)s min") % {"count": t.late_minutes},
        _("%(count)s min") % {"count": t.early_minutes},
        _("%(count)s missing out") % {"count": t.missing_checkouts},
    ]


def _person_totals(sheet, mine, person):
    if sheet.full():
        sheet.new_page(_("%(heading)s (continued)") % {"heading": _person_heading(person)})
    sheet.line(_totals_cells(mine, _("Total")), bold=True)


def write_pdf(rows, out, *, organization, period, person_counts, progress=None, font=None, logo=None):
    """A printable timesheet: one section per person, page numbers, totals; `logo`: PNG bytes or None."""
    totals = Totals()
    pages = pdf_page_count(person_counts)
    sheet = _Timesheet(out, organization=organization, period=period, pages=pages, font=font, logo=logo)
    current, previous, mine = None, None, None
    for row in _counted(rows, totals, progress):
        if row.person_id != current:
            if mine is not None:
                _person_totals(sheet, mine, previous)
            current, previous, mine = row.person_id, row, Totals()
            sheet.new_page(_person_heading(row))
        elif sheet.full():
            sheet.new_page(_("%(heading)s (continued)") % {"heading": _person_heading(row)})
        mine.add(row)
        flags = _("missing check-out") if row.missing_checkout else (_("holiday") if row.holiday else row.leave_label)
        sheet.line(
            [
                formats.date_format(row.day, "SHORT_DATE_FORMAT"),  # the reader's, as the period above it
                date_format(row.day, "D"),
                _(row.status),
                f"{local(row.first_in):%H:%M}" if row.first_in else "",
                f"{local(row.last_out):%H:%M}" if row.last_out else "",
                hm(row.worked_seconds),
                hm(row.overtime_seconds),
                hm(row.approved_overtime_seconds) if row.approved_overtime_seconds else "",
                hm(row.leave_seconds) if row.leave_seconds else "",
                row.late_minutes,
                row.early_minutes,
                flags,
            ]
        )
    if mine is not None:
        _person_totals(sheet, mine, previous)
    if len(person_counts) > 1 or mine is None:
        sheet.new_page(_("All people") if mine is not None else _("No rows for these filters."))
        if mine is not None:
            sheet.line(_totals_cells(totals, _("%(count)s people") % {"count": len(totals.people)}), bold=True)
    sheet.pdf.save()
    return totals


def pdf_split(person_counts):
    """Whether a timesheet is too long for one PDF (fpdf2 keeps every page in memory)."""
    return pdf_page_count(person_counts) > settings.REPORT_PDF_MAX_PAGES


def _file_name(text):
    keep = "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in text).strip(" .")
    return keep[:100] or "person"


def write_pdf_zip(rows, out, *, organization, period, person_counts, people_text, progress=None, logo=None):
    """The timesheet as a ZIP: one PDF per person, then one with everyone's totals.

    `out`: a binary file; `people_text`: every name and department in the
    export, for the font subset made once for all the files.
    """
    totals = Totals()
    with tempfile.TemporaryDirectory() as folder:
        font = font_subset(
            font_path=settings.PORTAL_FONT_PATH,
            font_index=settings.PORTAL_FONT_INDEX,
            text=organization + period + people_text,
            out_path=f"{folder}/subset.ttf",
        )
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            counted = _counted(rows, totals, progress)
            names = set()
            for count, (_person, mine) in zip(
                person_counts, itertools.groupby(counted, key=lambda r: r.person_id), strict=False
            ):
                mine = list(mine)  # one person's rows: at most a year
                name = _file_name(f"{mine[0].employee_id} {mine[0].person_name}")
                while name + ".pdf" in names:
                    name += "_"
                names.add(name + ".pdf")
                with archive.open(name + ".pdf", "w") as member:
                    write_pdf(
                        iter(mine),
                        member,
                        organization=organization,
                        period=period,
                        person_counts=[count],
                        font=font,
                        logo=logo,
                    )
            with archive.open("all-people-totals.pdf", "w") as member:
                sheet = _Timesheet(member, organization=organization, period=period, pages=1, font=font, logo=logo)
                sheet.new_page(_("All people"))
                sheet.line(_totals_cells(totals, _("%(count)s people") % {"count": len(totals.people)}), bold=True)
                sheet.pdf.save()
    return totals
