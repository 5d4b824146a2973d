"""PDF documents: valid files whose text reads back in every script, with the font embedded as a subset."""

import io

import pypdf
from django.conf import settings

from portal.reports.pdf import Document
from tests.scripts import NAMES


def document(out, title=""):
    return Document(out, title=title, font_path=settings.PORTAL_FONT_PATH, font_index=settings.PORTAL_FONT_INDEX)


def fonts_of(reader):
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                found[str(font["/BaseFont"])] = descriptor
    return found


def test_pages_read_back_in_order_with_the_title():
    out = io.BytesIO()
    pdf = document(out, title="Timesheet (March)")
    for n in range(3):
        pdf.line(700, [(40, f"Page {n + 1}"), (120, "Total 7:53")], bold=n == 0)
        pdf.show_page()
    pdf.save()
    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=True)
    assert [page.extract_text() for page in reader.pages] == [
        "Page 1 Total 7:53",
        "Page 2 Total 7:53",
        "Page 3 Total 7:53",
    ]
    assert reader.metadata.title == "Timesheet (March)"


def test_names_in_six_scripts_extract_as_written_and_the_font_is_embedded_as_a_subset():
    out = io.BytesIO()
    pdf = document(out)
    for n, name in enumerate(NAMES.values()):
        pdf.text(40, 700 - 20 * n, name)
    pdf.text(40, 500, "Zoë (night) \\ shift – 5 €")
    pdf.save()
    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=True)
    lines = reader.pages[0].extract_text().splitlines()
    assert lines == [*NAMES.values(), "Zoë (night) \\ shift – 5 €"]
    ((name, descriptor),) = fonts_of(reader).items()
    # a subset's name starts with six capitals and a plus (PDF 32000-1, 9.6.4)
    assert name[1:7].isupper() and name[7] == "+"
    embedded = descriptor["/FontFile2"].get_object().get_data()
    assert 1000 < len(embedded) < 200_000  # the glyphs used, not the whole 17 MB collection


def test_an_empty_document_still_has_one_page():
    out = io.BytesIO()
    document(out).save()
    assert len(pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=True).pages) == 1
