"""The engine on real photos: no database, real dlib."""

import io

import numpy as np
import pytest
from PIL import Image

from recognition import engine, imaging
from recognition.gallery import Gallery
from tests import photos

RULE = engine.DecisionRule(threshold=0.5)


@pytest.fixture(scope="module", autouse=True, params=["onnx", "dlib"])
def encoder(request, tmp_path_factory):
    """Every engine test on both networks: ONNX Runtime (the default) and dlib's own (FACE_ENCODER=dlib)."""
    from recognition import encoders

    previous = engine._encoder
    engine.use_encoder(encoders.Config(name=request.param, cache_dir=tmp_path_factory.mktemp("encoders")))
    yield request.param
    engine._encoder = previous


def faces_of(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else photos.read(path_or_bytes)
    _, faces = engine.faces_in_bytes(data)
    return faces


def only_encoding(path):
    faces = faces_of(path)
    assert len(faces) == 1, f"{path} should show one face"
    return faces[0].encoding


@pytest.fixture(scope="module")
def encodings():
    return {
        "obama": only_encoding(photos.OBAMA),
        "obama_2": only_encoding(photos.OBAMA_2),
        "obama_3": only_encoding(photos.OBAMA_3),
        "biden": only_encoding(photos.BIDEN),
        "stranger": only_encoding(photos.STRANGER),
    }


@pytest.fixture(scope="module")
def known(encodings):
    return Gallery.from_pairs([(1, encodings["obama"]), (2, encodings["biden"])])


def distance(a, b):
    return float(np.linalg.norm(a - b))


def test_encodings_are_128_float32_values(encodings):
    assert encodings["obama"].shape == (128,)
    assert encodings["obama"].dtype == np.float32


@pytest.mark.parametrize("other", ["obama_2", "obama_3"])
def test_the_three_obama_photos_match_each_other(encodings, other):
    assert distance(encodings["obama"], encodings[other]) < RULE.threshold
    assert distance(encodings["obama_2"], encodings["obama_3"]) < RULE.threshold


def test_biden_does_not_match_obama(encodings, known):
    assert distance(encodings["obama"], encodings["biden"]) > RULE.threshold
    match = Gallery.from_pairs([(1, encodings["obama"])]).search(encodings["biden"], RULE)
    assert not match.accepted and match.person_id is None


def test_a_new_obama_photo_is_identified_as_obama(encodings, known):
    match = known.search(encodings["obama_2"], RULE)
    assert match.accepted and match.person_id == 1
    assert match.second_distance > match.distance


def test_eileen_collins_matches_nobody(encodings, known):
    match = known.search(encodings["stranger"], RULE)
    assert not match.accepted
    assert match.distance > RULE.threshold


def test_two_face_picture_yields_obama_left_and_biden_right(known):
    faces = faces_of(photos.OBAMA_AND_BIDEN)
    assert len(faces) == 2
    assert faces[0].box[3] < faces[1].box[3]  # sorted left to right
    assert [known.search(face.encoding, RULE).person_id for face in faces] == [1, 2]


def test_boxes_are_in_the_original_images_pixels():
    # the portrait is 910x1137 and detection runs on a copy at most 400 wide
    _, faces = engine.faces_in_bytes(photos.read(photos.OBAMA), options=engine.DetectOptions(max_side=400))
    top, right, bottom, left = faces[0].box
    assert 200 < right - left < 400  # full-size detection gives 268: about 110 on the copy
    assert 0 <= left < right <= 910 and 0 <= top < bottom <= 1137


def test_sideways_photo_with_exif_orientation_still_matches(encodings):
    stored = Image.open(photos.OBAMA_2).convert("RGB").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, format="JPEG", quality=92, exif=exif)
    faces = faces_of(out.getvalue())
    assert len(faces) == 1
    assert distance(faces[0].encoding, encodings["obama"]) < RULE.threshold


def test_small_faces_are_found_by_upsampling_only_when_needed():
    small = Image.open(photos.OBAMA).convert("RGB").resize((91, 114))  # face about 27 pixels wide
    faces = faces_of(photos.jpeg(small))
    assert len(faces) == 1
    none = engine.DetectOptions(upsample_when_empty=False)
    _, without = engine.faces_in_bytes(photos.jpeg(small), options=none)
    assert without == []


def test_picture_without_a_face_yields_no_faces():
    assert faces_of(photos.no_face_jpeg()) == []


def test_bad_input_raises_image_rejected_not_a_crash():
    with pytest.raises(imaging.ImageRejected):
        engine.faces_in_bytes(b"GIF89a not really")


def test_margin_rule_refuses_a_face_between_two_people():
    matrix = np.zeros((2, 128), dtype=np.float32)
    matrix[0, 0], matrix[1, 0] = 0.40, -0.42
    look_alikes = Gallery(matrix=matrix, labels=np.array([7, 8]))
    probe = np.zeros(128, dtype=np.float32)
    assert look_alikes.search(probe, engine.DecisionRule(threshold=0.5)).person_id == 7
    strict = look_alikes.search(probe, engine.DecisionRule(threshold=0.5, margin=0.05))
    assert not strict.accepted and strict.best_person_id == 7


def test_best_person_is_chosen_by_their_nearest_template():
    rows = np.zeros((3, 128), dtype=np.float32)
    rows[0, 0], rows[1, 0], rows[2, 0] = 0.9, 0.2, 0.3  # person 1: far and near; person 2: middle
    match = Gallery(matrix=rows, labels=np.array([1, 1, 2])).search(np.zeros(128, dtype=np.float32), RULE)
    assert match.person_id == 1
    assert match.distance == pytest.approx(0.2)
    assert match.second_distance == pytest.approx(0.3)


def test_empty_gallery_matches_nobody(encodings):
    assert not Gallery().search(encodings["obama"], RULE).accepted
