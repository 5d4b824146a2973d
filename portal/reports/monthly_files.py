"""The monthly summary as files: XLSX (figures and the grid) and a PDF on landscape pages."""

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.reports import monthly
from portal.reports.pdf import A4, Document

INFO = [("Employee ID", "工号"), ("Person", "姓名"), ("Department", "部门")]


def _title(month, zh):
    return f"{month.label} 月度汇总" if zh else f"Monthly summary {month.label}"


def write_monthly_xlsx(month, path, *, zh=None):
    zh = monthly.chinese() if zh is None else zh
    book = Workbook(write_only=True)
    sheet = book.create_sheet("月度汇总" if zh else "Monthly summary")
    info = [pair[1 if zh else 0] for pair in INFO]
    titles = monthly.column_titles(zh=zh)
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

    sheet.append([cell(_title(month, zh), font=bold)])
    notes = month.day_notes(zh=zh)
    days = [f"{d.day}\n{note}" if note else str(d.day) for d, note in zip(month.days, notes, strict=True)]
    sheet.append([cell(t, font=bold, align=centred) for t in info + titles + days])
    for person_month in month.people:
        person = person_month.person
        values = monthly.figure_values(person_month.figures)
        sheet.append(
            [person.employee_id, person.name, person.department.name if person.department_id else ""]
            + [cell(v, fmt="0.00") if isinstance(v, float) else v for v in values]
            + [cell(s, align=centred) for s in person_month.symbols(zh=zh)]
        )
    sheet.append([])
    marks, day_notes = monthly.legend(zh=zh)
    sheet.append([cell("图例" if zh else "Legend", font=bold)])
    for sym, meaning in marks + day_notes:
        sheet.append([cell(sym, align=centred), meaning])
    book.save(path)


# --- PDF ---------------------------------------------------------------------------

PAGE_W, PAGE_H = A4[1], A4[0]  # landscape
MARGIN = 28
NAME_W = 150
CELL = 20
ROW = 26  # a person: the grid line and the figures line under it


def _figures_line(f, zh):
    if zh:
        return (
            f"出勤 {f.attendance_days}/{f.scheduled_days} 天 · 迟到 {f.late_count} 次 {f.late_minutes} 分钟 · "
            f"早退 {f.early_count} 次 {f.early_minutes} 分钟 · 旷工 {f.absent_days} 天 · 缺卡 {f.missing_punches} 次 · "
            f"加班 {f.overtime_hours:.2f} 小时 · 工作 {f.worked_hours:.2f} 小时"
        )
    return (
        f"Attendance {f.attendance_days}/{f.scheduled_days} days · late {f.late_count} times, {f.late_minutes} min · "
        f"early {f.early_count} times, {f.early_minutes} min · absent {f.absent_days} · "
        f"missing punches {f.missing_punches} · overtime {f.overtime_hours:.2f} h · worked {f.worked_hours:.2f} h"
    )


def write_monthly_pdf(month, out, *, zh=None):
    zh = monthly.chinese() if zh is None else zh
    title = f"{settings.ORGANIZATION_NAME}: {_title(month, zh)}"
    pdf = Document(
        out,
        title=title,
        font_path=settings.PORTAL_FONT_PATH,
        font_index=settings.PORTAL_FONT_INDEX,
        landscape=True,
    )
    per_page = int((PAGE_H - 2 * MARGIN - 90) // ROW)
    chunks = [month.people[n : n + per_page] for n in range(0, len(month.people), per_page)] or [[]]
    weekdays = "一二三四五六日" if zh else "MTWTFSS"
    notes = month.day_notes(zh=zh)
    for page, people in enumerate(chunks, 1):
        y = PAGE_H - MARGIN
        pdf.text(MARGIN, y, title, bold=True, size=13)
        pdf.text(PAGE_W - MARGIN - 60, MARGIN - 12, f"{page} / {len(chunks)}", size=8)
        printed = timezone.localtime()
        pdf.text(MARGIN, MARGIN - 12, f"{'打印于' if zh else 'Printed'} {printed:%Y-%m-%d %H:%M}", size=8)
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
            cells += [(MARGIN + NAME_W + n * CELL + 4, s) for n, s in enumerate(person_month.symbols(zh=zh)) if s]
            pdf.line(y, cells, size=8)
            pdf.text(MARGIN + 8, y - 10, _figures_line(person_month.figures, zh), size=7)
            y -= ROW
        marks, day_notes = monthly.legend(zh=zh)
        key = "  ".join(f"{sym} {meaning}" for sym, meaning in marks + day_notes)
        pdf.text(MARGIN, MARGIN + 4, f"{'图例' if zh else 'Legend'}: {key}", size=7)
        pdf.show_page()
    pdf.save()
