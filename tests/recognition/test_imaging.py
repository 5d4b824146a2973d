"""Decoding uploads: every kind of bad input gets its own clear error."""

import io

import numpy as np
import pytest
from PIL import Image

from recognition import imaging
from tests import photos

LIMITS = imaging.Limits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)


def encoded(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def rejection(data, limits=LIMITS):
    with pytest.raises(imaging.ImageRejected) as caught:
        imaging.decode(data, limits)
    return caught.value


def test_empty_file_is_refused_as_empty():
    assert rejection(b"").code == "empty"


def test_text_file_is_refused_as_not_an_image():
    error = rejection(b"name,employee_id\nAda,1\n" * 20)
    assert error.code == "not_image"
    assert "not an image" in error.message


def test_truncated_jpeg_is_refused_as_damaged():
    data = photos.read(photos.OBAMA)
    error = rejection(data[: len(data) // 2])
    assert error.code == "truncated"
    assert "damaged or incomplete" in error.message


def test_file_over_the_byte_limit_is_refused_with_both_sizes():
    error = rejection(photos.read(photos.OBAMA), imaging.Limits(max_bytes=50_000, max_pixels=40_000_000))
    assert error.code == "too_large"
    assert "limit is" in error.message


def test_decompression_bomb_is_refused_before_decoding():
    # 10000 x 5000 = 50 megapixels of one colour: a tiny PNG file
    bomb = encoded(Image.new("L", (10_000, 5_000)), "PNG")
    assert len(bomb) < 200_000
    error = rejection(bomb)
    assert error.code == "too_many_pixels"
    assert "50.0 megapixels" in error.message


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "CMYK", "I;16", "LA"])
def test_every_colour_mode_becomes_8_bit_rgb(mode):
    source = Image.open(photos.OBAMA).convert("RGB").resize((200, 250))
    if mode == "I;16":
        grey = np.asarray(source.convert("L"), dtype=np.uint16) * 257
        image = Image.fromarray(grey)
        fmt = "PNG"
    else:
        image = source.convert(mode)
        fmt = "TIFF" if mode == "CMYK" else "PNG"
    decoded = imaging.decode(encoded(image, fmt), LIMITS)
    assert decoded.mode == "RGB"
    assert decoded.size == (200, 250)
    assert np.asarray(decoded).max() > 100  # not blacked out


def test_exif_orientation_is_applied():
    upright = Image.open(photos.OBAMA).convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as a sideways camera stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    decoded = imaging.decode(encoded(stored, "JPEG", exif=exif), LIMITS)
    assert decoded.size == upright.size


def test_annotation_draws_a_box_and_label_above_it():
    image = Image.new("RGB", (400, 300), (255, 255, 255))
    out = Image.open(io.BytesIO(imaging.annotate(image, [((100, 250, 250, 100), "Barack Obama", True)])))
    pixels = np.asarray(out)
    assert pixels[175, 100].tolist() != [255, 255, 255]  # left edge of the box
    assert (pixels[60:100, 100:250] != 255).any()  # the label sits above the box
    assert (pixels[150:200, 150:200] > 240).all()  # the face is not painted over
