"""The monthly summary as files: XLSX (figures and the grid) and a PDF on landscape pages."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.core.spreadsheets import spreadsheet_row, spreadsheet_safe
from portal.org.selectors import organization_logo, organization_name
from portal.reports import monthly
from portal.reports.pdf import A4, Document


def _info():
    return [
        pgettext("monthly summary column", "Employee ID"),
        pgettext("monthly summary column", "Person"),
        pgettext("monthly summary column", "Department"),
    ]


def _title(month):
    return _("Monthly summary %(month)s") % {"month": month.label}


def write_monthly_xlsx(month, path, *, zh=None):
    """In Chinese or English (zh True/False), or the active language (None)."""
    with monthly.language(zh):
        _write_xlsx(month, path)


def _write_xlsx(month, path):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Monthly summary"))
    info = _info()
    titles = monthly.column_titles()
    first_day = len(info) + len(titles) + 1
    for n, width in enumerate([12, 24, 14] + [12] * len(titles), 1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    for n in range(first_day, first_day + len(month.days)):
        sheet.column_dimensions[get_column_letter(n)].width = 5
    sheet.freeze_panes = "D3"
    bold, centred = Font(bold=True), Alignment(horizontal="center", wrap_text=True)

    def cell(value, *, font=None, align=None, fmt=None):
        c = WriteOnlyCell(sheet, value=value)
        if font:
            c.font = font
        if align:
            c.alignment = align
        if fmt:
            c.number_format = fmt
        return c

    sheet.append([cell(_title(month), font=bold)])
    notes = month.day_notes()
    days = [f"{d.day}\n{note}" if note else str(d.day) for d, note in zip(month.days, notes, strict=True)]
    sheet.append([cell(t, font=bold, align=centred) for t in info + titles + days])
    for person_month in month.people:
        person = person_month.person
        values = monthly.figure_values(person_month.figures)
        sheet.append(
            spreadsheet_row([person.employee_id, person.name, person.department.name if person.department_id else ""])
            + [cell(v, fmt="0.00") if isinstance(v, float) else v for v in values]
            + [cell(s, align=centred) for s in person_month.symbols()]
        )
    sheet.append([])
    marks, day_notes = monthly.legend()
    sheet.append([cell(_("Legend"), font=bold)])
    for sym, meaning in marks + day_notes:
        sheet.append([cell(sym, align=centred), spreadsheet_safe(meaning)])
    book.save(path)


# --- PDF ---------------------------------------------------------------------------

PAGE_W, PAGE_H = A4[1], A4[0]  # landscape
MARGIN = 28
NAME_W = 150
CELL = 20
ROW = 26  # a person: the grid line and the figures line under it


def _figures_line(f):
    return _(
        "Attendance %(attendance)s/%(scheduled)s days · late %(late_count)s times, %(late_minutes)s min · "
        "early %(early_count)s times, %(early_minutes)s min · absent %(absent)s · "
        "missing punches %(missing)s · overtime %(overtime)s h · worked %(worked)s h"
    ) % {
        "attendance": f.attendance_days,
        "scheduled": f.scheduled_days,
        "late_count": f.late_count,
        "late_minutes": f.late_minutes,
        "early_count": f.early_count,
        "early_minutes": f.early_minutes,
        "absent": f.absent_days,
        "missing": f.missing_punches,
        "overtime": f"{f.overtime_hours:.2f}",
        "worked": f"{f.worked_hours:.2f}",
    }


def write_monthly_pdf(month, out, *, zh=None):
    """In Chinese or English (zh True/False), or the active language (None)."""
    with monthly.language(zh):
        _write_pdf(month, out)


def _write_pdf(month, out):
    title = f"{organization_name()}: {_title(month)}"
    logo = organization_logo()
    pdf = Document(
        out,
        title=title,
        font_path=settings.PORTAL_FONT_PATH,
        font_index=settings.PORTAL_FONT_INDEX,
        fallback_path=settings.PORTAL_FALLBACK_FONT_PATH,
        landscape=True,
    )
    per_page = int((PAGE_H - 2 * MARGIN - 90) // ROW)
    chunks = [month.people[n : n + per_page] for n in range(0, len(month.people), per_page)] or [[]]
    # one letter per weekday, Monday first
    weekdays = pgettext("one-letter weekdays, Monday first", "MTWTFSS")
    notes = month.day_notes()
    for page, people in enumerate(chunks, 1):
        y = PAGE_H - MARGIN
        x = MARGIN
        if logo:  # beside the organization's name
            x += pdf.image(MARGIN, y - 4, logo, height=20) + 6
        pdf.text(x, y, title, bold=True, size=13)
        pdf.text(PAGE_W - MARGIN - 60, MARGIN - 12, f"{page} / {len(chunks)}", size=8)
        printed = timezone.localtime()
        pdf.text(MARGIN, MARGIN - 12, _("Printed %(at)s") % {"at": f"{printed:%Y-%m-%d %H:%M}"}, size=8)
        y -= 28
        pdf.line(y, [(MARGIN + NAME_W + n * CELL + 4, str(d.day)) for n, d in enumerate(month.days)], size=8)
        y -= 10
        pdf.line(
            y,
            [
                (MARGIN + NAME_W + n * CELL + 4, weekdays[d.weekday()] + note)
                for n, (d, note) in enumerate(zip(month.days, notes, strict=True))
            ],
            size=7,
        )
        y -= 16
        for person_month in people:
            person = person_month.person
            cells = [(MARGIN, f"{person.name} ({person.employee_id})")]
            cells += [(MARGIN + NAME_W + n * CELL + 4, s) for n, s in enumerate(person_month.symbols()) if s]
            pdf.line(y, cells, size=8)
            pdf.text(MARGIN + 8, y - 10, _figures_line(person_month.figures), size=7)
            y -= ROW
        marks, day_notes = monthly.legend()
        key = "  ".join(f"{sym} {meaning}" for sym, meaning in marks + day_notes)
        pdf.text(MARGIN, MARGIN + 4, _("Legend: %(key)s") % {"key": key}, size=7)
        pdf.show_page()
    pdf.save()
