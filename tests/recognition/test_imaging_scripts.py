"""The annotated picture draws names in every script with the portal's font, and keeps long ones inside."""

import io

import numpy as np
import pytest
from django.conf import settings
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from recognition import imaging
from tests.scripts import NAMES

# private-use characters: in no font, so every renderer draws its .notdef box for them
MISSING = "\U000f0000"


@pytest.fixture(scope="module")
def font_path():
    assert settings.PORTAL_FONT_PATH, "no font found: run `make install`"
    return settings.PORTAL_FONT_PATH


def glyph_mask(font, text):
    """The pixels a font draws for `text`, as a boolean array on a fixed canvas."""
    canvas = Image.new("L", (200, 80), 0)
    ImageDraw.Draw(canvas).text((10, 10), text, fill=255, font=font)
    return np.asarray(canvas) > 127


def label_text(jpeg):
    """White (letter) pixels inside the green label drawn above the face at (120, 300, 280, 100)."""
    pixels = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")).astype(int)[:120, 100:400]
    green = (pixels[:, :, 1] > 120) & (pixels[:, :, 0] < 80)
    rows = np.where(green.any(axis=1))[0]
    inside = np.zeros(green.shape, bool)
    inside[rows.min() : rows.max() + 1, : np.where(green.any(axis=0))[0].max() + 1] = True
    return (pixels[:, :, 0] > 128) & inside  # the label is green (red 0), the letters white


@pytest.mark.parametrize("script", NAMES)
def test_the_font_has_a_glyph_for_every_character_of_each_script(font_path, script):
    font = TTFont(font_path, fontNumber=settings.PORTAL_FONT_INDEX, lazy=True)
    cmap = font.getBestCmap()
    assert [ch for ch in NAMES[script] if not ch.isspace() and ord(ch) not in cmap] == []


@pytest.mark.parametrize("script", NAMES)
def test_every_character_is_drawn_as_a_glyph_not_the_notdef_box(font_path, script):
    font = imaging.label_font(32, font_path)
    notdef = glyph_mask(font, MISSING)
    assert notdef.sum() > 0  # the box itself is drawn, so comparing with it means something
    for ch in NAMES[script].replace(" ", "").replace("-", ""):
        drawn = glyph_mask(font, ch)
        assert drawn.sum() > 0, ch
        assert (drawn != notdef).sum() > 0.2 * notdef.sum(), f"{ch!r} looks like the empty box"


def test_the_default_font_would_draw_chinese_as_boxes_which_is_why_the_portal_passes_its_own():
    font = imaging.label_font(32)
    boxes = [glyph_mask(font, ch) for ch in "张伟"]
    assert (boxes[0] == boxes[1]).all()  # two different characters, one identical box


FACE = (120, 300, 280, 100)


def test_annotated_picture_draws_the_chinese_name_unlike_empty_boxes(font_path):
    image = Image.new("RGB", (400, 300), (255, 255, 255))

    def text(label):
        return label_text(imaging.annotate(image, [(FACE, label, True)], font_path=font_path))

    name, boxes, again = text("张伟"), text(MISSING * 2), text("张伟")
    assert name.sum() > 50 and boxes.sum() > 20  # both draw something white on the label
    assert (name == again).all()  # drawing is deterministic, so the comparison below means something
    assert (name != boxes).sum() > 0.5 * name.sum()


@pytest.mark.parametrize("script", NAMES)
def test_annotated_picture_with_each_script_draws_glyphs_not_boxes(font_path, script):
    image = Image.new("RGB", (400, 300), (255, 255, 255))
    label = NAMES[script]
    name = label_text(imaging.annotate(image, [(FACE, label, True)], font_path=font_path))
    boxes = label_text(imaging.annotate(image, [(FACE, MISSING * len(label), True)], font_path=font_path))
    assert name.sum() > 50
    assert (name != boxes).sum() > 0.5 * name.sum()


def test_a_sixty_character_name_ends_in_an_ellipsis_and_stays_inside_the_picture(font_path):
    name = ("Maria-Fernanda Gonçalves de Albuquerque e Vasconcelos Øberg-" + "张伟" * 10)[:60]
    assert len(name) == 60
    width, height = 400, 300
    image = Image.new("RGB", (width, height), (255, 255, 255))
    face = (120, 380, 280, 250)  # near the right edge: the label must move left
    jpeg = imaging.annotate(image, [(face, name, True)], font_path=font_path)
    pixels = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")).astype(int)
    green = (pixels[:, :, 1] > 120) & (pixels[:, :, 0] < 80) & (pixels[:, :, 2] < 140)
    rows = np.where(green[:120].any(axis=1))[0]
    band = green[rows.min() : rows.max() + 1]
    columns = np.where(band.any(axis=0))[0]
    assert columns.min() < 250  # moved left of the face
    assert columns.max() <= width - 1
    # the text's white pixels are inside the label, with the padding kept on both sides
    text = (pixels[rows.min() : rows.max() + 1] > 200).all(axis=2) & ~band
    text_columns = np.where(text[:, columns.min() : columns.max() + 1].any(axis=0))[0] + columns.min()
    assert text_columns.min() > columns.min() and text_columns.max() < columns.max()
    font = imaging.label_font(max(14, width // 40), font_path)
    fitted = imaging.fit_text(ImageDraw.Draw(image), name, font, width - 6)
    assert fitted.endswith(imaging.ELLIPSIS) and len(fitted) < 60
    assert ImageDraw.Draw(image).textlength(fitted, font=font) <= width - 6


def test_a_short_name_is_not_cut(font_path):
    font = imaging.label_font(20, font_path)
    assert imaging.fit_text(ImageDraw.Draw(Image.new("RGB", (10, 10))), "张伟", font, 300) == "张伟"
