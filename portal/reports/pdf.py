"""A PDF written as it goes: each page goes to the file when it is finished.

PDF libraries keep every page until the end (reportlab held 200 MB for a year
of a thousand people). A PDF does not need that: objects can be written in
any order as long as the cross-reference table at the end gives their byte
offsets, and the page tree, which lists the pages, can be the last object.
So memory stays that of one page plus one number per page.

Only what a timesheet needs: A4 pages, lines of text in Helvetica and
Helvetica-Bold (standard PDF fonts, nothing embedded), Western European characters
(others print as "?").
"""

import zlib

A4 = (595.28, 841.89)
CATALOG, PAGES, FONT, BOLD, INFO = 1, 2, 3, 4, 5


def _text(value):
    raw = str(value).encode("cp1252", "replace")  # WinAnsiEncoding
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


class StreamingPdf:
    def __init__(self, out, *, title=""):
        self.out = out
        self.position = 0
        self.offsets = {}
        self.pages = []
        self.next_id = INFO + 1
        self.title = title
        self.lines = []
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data):
        self.out.write(data)
        self.position += len(data)

    def _object(self, number, body):
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def _new_id(self):
        self.next_id += 1
        return self.next_id - 1

    def text(self, x, y, value, *, bold=False, size=9):
        """One string at (x, y), from the bottom left of the page."""
        self.line(y, [(x, value)], bold=bold, size=size)

    def line(self, y, cells, *, bold=False, size=9):
        """Several strings on one line, as one text object (text extraction reads it as one line)."""
        ops = [b"BT /%s %d Tf" % (b"F2" if bold else b"F1", size)]
        for x, value in cells:
            ops.append(b"1 0 0 1 %.2f %.2f Tm (%s) Tj" % (x, y, _text(value)))
        ops.append(b"ET")
        self.lines.append(b" ".join(ops))

    def show_page(self):
        """Write the current page to the file and start a new one."""
        content = zlib.compress(b"\n".join(self.lines))
        self.lines = []
        stream_id, page_id = self._new_id(), self._new_id()
        self._object(
            stream_id,
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        )
        self._object(
            page_id,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
            b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>"
            % (PAGES, A4[0], A4[1], FONT, BOLD, stream_id),
        )
        self.pages.append(page_id)

    def save(self):
        """Finish the file: fonts, page tree, catalog, cross-references."""
        if self.lines or not self.pages:
            self.show_page()
        for number, name in ((FONT, b"Helvetica"), (BOLD, b"Helvetica-Bold")):
            self._object(number, b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % name)
        kids = b" ".join(b"%d 0 R" % page for page in self.pages)
        self._object(PAGES, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.pages)))
        self._object(CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES)
        self._object(INFO, b"<< /Title (%s) /Producer (Attendance portal) >>" % _text(self.title))
        xref = self.position
        count = self.next_id
        rows = [b"0000000000 65535 f \n"] + [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, count)]
        self._write(b"xref\n0 %d\n" % count + b"".join(rows))
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (count, CATALOG, INFO, xref)
        )
