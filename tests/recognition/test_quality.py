"""Enrollment quality checks on the real fixture photos (no database)."""

import pytest
from PIL import Image, ImageEnhance, ImageFilter

from recognition import engine, imaging, quality
from tests import photos


@pytest.fixture(scope="module")
def obama():
    image = imaging.decode(photos.read(photos.OBAMA))
    [box] = engine.detect(image)
    return image, box


def only_face(image):
    [box] = engine.detect(image)
    return box


def test_a_good_portrait_has_no_problem(obama):
    image, box = obama
    assert quality.face_problem(image, box) is None
    measures = quality.measure(image, box)
    assert measures.width > 200 and measures.sharpness > 200 and 60 < measures.brightness < 200


def test_blurred_copy_is_blurry(obama):
    image, box = obama
    blurred = image.filter(ImageFilter.GaussianBlur(0.03 * (box[1] - box[3])))
    problem = quality.face_problem(blurred, only_face(blurred))
    assert problem.code == "blurry" and "blurry" in problem.message


def test_darkened_copy_is_too_dark_not_blurry(obama):
    image, _ = obama
    dark = ImageEnhance.Brightness(image).enhance(0.2)
    problem = quality.face_problem(dark, only_face(dark))
    assert problem.code == "too_dark" and "more light" in problem.message


def test_overexposed_copy_is_washed_out(obama):
    image, _ = obama
    bright = ImageEnhance.Brightness(image).enhance(2.5)
    assert quality.face_problem(bright, only_face(bright)).code == "washed_out"


def test_shrunken_copy_is_too_small(obama):
    image, box = obama
    scale = 50 / (box[1] - box[3])
    small = image.resize((round(image.width * scale), round(image.height * scale)))
    problem = quality.face_problem(small, only_face(small))
    assert problem.code == "too_small" and "at least 80" in problem.message


def test_face_cut_by_the_border_is_cut_off(obama):
    image, (top, right, bottom, left) = obama
    cropped = image.crop((left + (right - left) // 8, 0, image.width, image.height))
    assert quality.face_problem(cropped, only_face(cropped)).code == "cut_off"


def test_thresholds_are_arguments(obama):
    image, box = obama
    strict = quality.Thresholds(min_face_px=1000)
    assert quality.face_problem(image, box, strict).code == "too_small"


def test_one_clearly_larger_face_is_dominant_two_similar_faces_are_not():
    assert quality.dominant_face([(0, 200, 100, 100)]) == 0
    assert quality.dominant_face([(0, 60, 40, 20), (0, 400, 200, 200)]) == 1  # 200 wide vs 40
    assert quality.dominant_face([(0, 100, 100, 0), (0, 290, 100, 200)]) is None  # 100 vs 90
    assert quality.dominant_face([]) is None


def test_the_two_face_fixture_has_no_dominant_face():
    image = imaging.decode(photos.read(photos.OBAMA_AND_BIDEN))
    assert quality.dominant_face(engine.detect(image)) is None


def test_laplacian_variance_is_zero_on_a_flat_image():
    flat = Image.new("RGB", (200, 200), (120, 120, 120))
    assert quality.measure(flat, (10, 190, 190, 10)).sharpness == 0
