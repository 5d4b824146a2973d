"""A font chain (issue 25, 4): the CJK font first, then one with Latin Extended-A, so Czech ř, č, ů, Ř, Ě
and every other letter of U+0100..U+017F print in PDFs and draw in pictures instead of vanishing."""

import io

import numpy as np
import pypdf
import pytest
from django.conf import settings
from PIL import Image

from portal.reports.exports import pdf_document
from recognition import imaging

# every letter of Latin Extended-A, in names of about a dozen letters
LATIN_EXTENDED_A = "".join(chr(c) for c in range(0x100, 0x180))
NAMES = [
    "Antonín Dvořák",
    "Řehoř Ěmil Ůstal",
    "Łucja Świątek",
    *[LATIN_EXTENDED_A[n : n + 12] for n in range(0, 128, 12)],
]


@pytest.fixture
def fonts():
    assert settings.PORTAL_FONT_PATH and settings.PORTAL_FALLBACK_FONT_PATH, "no fonts: run `make install`"
    lacking = {ch for ch in LATIN_EXTENDED_A if ord(ch) not in imaging.font_characters(settings.PORTAL_FONT_PATH)}
    assert lacking, "the first font has every letter: this test would prove nothing"
    return settings.PORTAL_FONT_PATH, settings.PORTAL_FALLBACK_FONT_PATH


def test_every_latin_extended_a_letter_reads_back_from_a_pdf(fonts):
    out = io.BytesIO()
    pdf = pdf_document(out, title="Dvořák")
    for n, name in enumerate(NAMES):
        pdf.text(40, 780 - 20 * n, f"{name} 张伟")
    pdf.save()
    text = pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=True).pages[0].extract_text()
    assert text.splitlines() == [f"{name} 张伟" for name in NAMES]


FACE = (120, 380, 280, 20)


def label_pixels(jpeg):
    pixels = np.asarray(Image.open(io.BytesIO(jpeg)).convert("L")).astype(int)
    return pixels[60:120] > 200  # white letters on the label above the box


@pytest.mark.parametrize("name", NAMES)
def test_a_picture_draws_every_latin_extended_a_letter_not_a_box(fonts, name):
    primary, fallback = fonts
    image = Image.new("RGB", (400, 300), (40, 40, 40))  # dark: only the letters are white
    drawn = label_pixels(imaging.annotate(image, [(FACE, name, True)], font_path=primary, fallback_path=fallback))
    # each letter alone against the first font's own box for it: a missing glyph draws that box
    boxes = label_pixels(imaging.annotate(image, [(FACE, name, True)], font_path=primary))
    missing = [ch for ch in name if ord(ch) not in imaging.font_characters(primary)]
    assert drawn.sum() > 50
    if missing:
        assert (drawn != boxes).sum() > 0.2 * drawn.sum(), missing
    for ch in missing:
        alone = label_pixels(imaging.annotate(image, [(FACE, ch, True)], font_path=primary, fallback_path=fallback))
        box = label_pixels(imaging.annotate(image, [(FACE, "\uffff", True)], font_path=primary))
        assert alone.sum() > 5 and (alone != box).sum() > 0.3 * alone.sum(), ch
