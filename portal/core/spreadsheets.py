"""One rule for every cell the portal writes to a CSV or XLSX file: text from people stays text.

A name, an employee ID, a door, a zone or a holiday typed as `=HYPERLINK(...)`,
`+1`, `-2` or `@SUM(...)` is a formula to Excel and LibreOffice when the file
is opened (CSV) or written as one by openpyxl (XLSX). Every export passes its
cells through `spreadsheet_safe`, as OWASP recommends against formula
injection: such text gets a leading apostrophe, which spreadsheets show as
text; numbers, dates and empty cells are left alone.
"""

from django.utils import translation

# tab and CR too, which a spreadsheet strips before it looks for a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """`value` as inert spreadsheet text if it is text that would start a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values):
    """Every cell of a row through `spreadsheet_safe`."""
    return [spreadsheet_safe(value) for value in values]


def wants_bom(query):
    """CSV files start with a byte-order mark unless the request says `bom=0` (for machines)."""
    return query.get("bom", "1").lower() not in {"0", "false", "no"}


def coded(value, label):
    """A coded cell (a direction, a source, a result): the code for an English reader, as scripts
    have read it since the first export; its label for any other, whose headers are in their
    language too ("in" and "kiosk" under 方向 and 来源 read as left untranslated)."""
    if not value or (translation.get_language() or "en").split("-")[0] == "en":
        return value
    return str(label)
