"""The streaming PDF writer: valid files, pages written as they are finished."""

import io

import pypdf

from portal.reports.pdf import StreamingPdf


def test_each_page_reaches_the_file_when_it_is_finished_and_the_result_is_valid():
    out = io.BytesIO()
    pdf = StreamingPdf(out, title="Timesheet (March)")
    sizes = []
    for n in range(3):
        pdf.line(700, [(40, f"Page {n + 1}"), (120, "Total 7:53")], bold=n == 0)
        pdf.show_page()
        sizes.append(len(out.getvalue()))
    assert sizes[0] < sizes[1] < sizes[2]  # written at once, not kept until save
    pdf.save()
    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=True)
    assert [page.extract_text() for page in reader.pages] == [
        "Page 1 Total 7:53",
        "Page 2 Total 7:53",
        "Page 3 Total 7:53",
    ]
    assert reader.metadata.title == "Timesheet (March)"


def test_brackets_backslashes_and_accents_are_printed_as_they_are():
    out = io.BytesIO()
    pdf = StreamingPdf(out)
    pdf.text(40, 700, "Zoë (night) \\ shift – 5 €")
    pdf.save()
    text = pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=True).pages[0].extract_text()
    assert text == "Zoë (night) \\ shift – 5 €"


def test_an_empty_document_still_has_one_page():
    out = io.BytesIO()
    StreamingPdf(out).save()
    assert len(pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=True).pages) == 1
