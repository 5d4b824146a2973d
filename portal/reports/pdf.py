"""PDF documents through fpdf2, with one font for names in every script.

The font (PORTAL_FONT_PATH) is embedded as a subset: only the glyphs the
document uses, so a timesheet of Latin names stays small and one with
张伟 still prints him. Coordinates are PDF points from the bottom left of an
A4 page, as the report layouts are written.

Why fpdf2: it embeds TrueType collections (.ttc) as subsets, needs nothing
but fontTools, and wrote 200 pages of timesheet lines in the CJK font in 7 s
where reportlab took 31 s (both under tracemalloc). Neither writes pages as
it goes: each keeps the whole document until the end (about 18 kB a page
with fpdf2), so an export longer than REPORT_PDF_MAX_PAGES becomes a ZIP of
one PDF per person (portal/reports/exports.py).
"""

import io
import logging

from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image

from recognition.imaging import font_characters

A4 = (595.28, 841.89)
FAMILY = "portal"
FALLBACK = "portal-fallback"
# fontTools says so for every bitmap table it drops from the subset; nothing is wrong
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


class Document:
    """Pages of text lines. `bold` is drawn by also stroking the letters, because
    the CJK fonts come in one weight."""

    def __init__(self, out, *, title="", font_path, font_index=0, fallback_path="", landscape=False):
        self.out = out
        self.height = A4[0] if landscape else A4[1]
        self.pdf = FPDF(orientation="L" if landscape else "P", unit="pt", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_creator("Attendance portal")
        self.pdf.set_title(title)
        self.pdf.add_font(FAMILY, fname=font_path, collection_font_number=font_index)
        # letters the first font lacks (the CJK fonts have no ř, č, ů) come from the second;
        # fpdf2's own fallback does not apply to text() at a position, so runs are placed here
        self.known = font_characters(font_path, font_index) if fallback_path else None
        if fallback_path:
            self.pdf.add_font(FALLBACK, fname=fallback_path)
        self.pdf.set_line_width(0.25)
        self.pages = 0
        self._open = False

    def _page(self):
        if not self._open:
            self.pdf.add_page()
            self.pages += 1
            self._open = True

    def text(self, x, y, value, *, bold=False, size=9):
        """One string at (x, y), y from the bottom of the page."""
        self.line(y, [(x, value)], bold=bold, size=size)

    def line(self, y, cells, *, bold=False, size=9):
        """Several strings on one line."""
        self._page()
        self.pdf.text_mode = TextMode.FILL_STROKE if bold else TextMode.FILL
        for x, value in cells:
            for family, piece in self._runs(str(value)):
                self.pdf.set_font(family, size=size)
                self.pdf.text(x, self.height - y, piece)
                x += self.pdf.get_string_width(piece)

    def image(self, x, y, data, *, height):
        """A picture (PNG or JPEG bytes) with its bottom left corner at (x, y), `height` points high;
        returns its width in points."""
        self._page()
        width = height * _aspect(data)
        self.pdf.image(io.BytesIO(data), x=x, y=self.height - y - height, h=height, w=width)
        return width

    def width(self, value, *, size=9):
        total = 0
        for family, piece in self._runs(str(value)):
            self.pdf.set_font(family, size=size)
            total += self.pdf.get_string_width(piece)
        return total

    def _runs(self, text):
        """(family, piece) in order: each piece in the first font of the chain that has its letters."""
        if self.known is None:
            return [(FAMILY, text)] if text else []
        runs = []
        for ch in text:
            family = FAMILY if ord(ch) in self.known or ch.isspace() else FALLBACK
            if runs and runs[-1][0] == family:
                runs[-1][1] += ch
            else:
                runs.append([family, ch])
        return [(family, piece) for family, piece in runs]

    def show_page(self):
        """End the current page; the next line starts a new one."""
        self._page()
        self._open = False

    def save(self):
        """Write the file (one page at least)."""
        if not self.pages:
            self._page()
        self.out.write(self.pdf.output())


def _aspect(data):
    with Image.open(io.BytesIO(data)) as picture:
        return picture.width / picture.height


# Every character a report's fixed text may need besides its names: ASCII,
# Latin-1 and the punctuation the layouts use.
BASE_CHARACTERS = (
    "".join(chr(c) for c in range(0x20, 0x7F)) + "".join(chr(c) for c in range(0xA0, 0x100)) + "–—…‘’“”€•√×"
)


def font_subset(*, font_path, font_index=0, text, out_path):
    """Write to `out_path` a font with only the glyphs of `text` and BASE_CHARACTERS.

    Reading a CJK collection costs about 0.4 s and 40 MB each time a document
    adds it; an export split into a PDF per person reads this small font
    instead, once per document.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.notdef_outline = True  # a missing character shows as a box, never as nothing
    options.name_IDs = ["*"]
    options.drop_tables += ["EBDT", "EBLC", "EBSC", "FFTM"]
    font = TTFont(font_path, fontNumber=font_index, lazy=True)
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=BASE_CHARACTERS + text)
        subsetter.subset(font)
        font.save(out_path)
    finally:
        font.close()
    return out_path
