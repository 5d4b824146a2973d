"""The encoding network on ONNX Runtime against dlib's own: real photos, real model file, no database."""

import logging

import numpy as np
import pytest
from PIL import Image

from recognition import dlib_model, encoders, engine, imaging, onnx_graph
from tests import photos

FIXTURES = [photos.OBAMA, photos.OBAMA_2, photos.OBAMA_3, photos.BIDEN, photos.OBAMA_AND_BIDEN, photos.STRANGER]


@pytest.fixture(scope="module")
def onnx(tmp_path_factory):
    return encoders.make(encoders.Config(name="onnx", cache_dir=tmp_path_factory.mktemp("encoders")))


def faces_of(path):
    array = imaging.to_array(imaging.decode(photos.read(path)))
    import face_recognition  # loads dlib's models: at run time, not at collection

    return array, face_recognition.face_locations(array)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_face_encodes_on_onnx_within_1e_4_of_dlib(onnx, path):
    array, boxes = faces_of(path)
    assert boxes, f"{path.name} should show a face"
    import face_recognition

    reference = np.asarray(face_recognition.face_encodings(array, known_face_locations=boxes), dtype=np.float32)
    ours = onnx.run(encoders.chips(array, boxes))
    assert ours.shape == reference.shape == (len(boxes), 128)
    assert np.abs(ours - reference).max() < 1e-4


def test_a_batch_gives_the_same_encodings_as_one_face_at_a_time(onnx):
    array, boxes = faces_of(photos.OBAMA_AND_BIDEN)
    batch = encoders.chips(array, boxes)
    one_by_one = np.vstack([onnx.run(batch[i : i + 1]) for i in range(len(batch))])
    assert np.abs(onnx.run(batch) - one_by_one).max() < 1e-5


def test_the_mirror_version_is_the_mean_of_the_face_and_its_mirror_image(onnx):
    array, boxes = faces_of(photos.OBAMA)
    chip = encoders.chips(array, boxes)
    mirrored = encoders.encode_chips(onnx, chip, encoders.MIRROR)[0]
    expected = (onnx.run(chip)[0] + onnx.run(chip[:, :, ::-1, :].copy())[0]) / 2
    assert np.abs(mirrored - expected).max() < 1e-6
    assert np.linalg.norm(mirrored - onnx.run(chip)[0]) > 0.01  # a different encoding: a version of its own


def test_an_unknown_encoding_version_is_refused(onnx):
    with pytest.raises(encoders.EncoderError, match="unknown encoding version"):
        encoders.encode_chips(onnx, np.zeros((1, 150, 150, 3), dtype=np.uint8), "v99")


def test_the_graph_is_made_once_and_remade_when_the_model_file_changes(tmp_path):
    model = tmp_path / "dlib_face_recognition_resnet_model_v1.dat"
    model.write_bytes(encoders.MODEL_FILE.read_bytes())
    cache = tmp_path / "cache"
    first = encoders.graph_file(cache, model)
    made = first.stat().st_mtime_ns
    assert encoders.graph_file(cache, model) == first and first.stat().st_mtime_ns == made
    # the same network with one weight changed is another file: another graph, checked against dlib with it
    data = bytearray(model.read_bytes())
    data[-200] ^= 0x01
    model.write_bytes(bytes(data))
    second = encoders.graph_file(cache, model)
    assert second != first and second.exists()


def test_a_graph_that_disagrees_with_dlib_is_refused_and_never_kept(tmp_path, monkeypatch):
    real = encoders.DlibEncoder.run
    monkeypatch.setattr(encoders.DlibEncoder, "run", lambda self, batch: real(self, batch) + 0.01)
    with pytest.raises(encoders.EncoderError, match="differs from dlib's encoding by 0.01"):
        encoders.graph_file(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_model_file_is_refused_with_the_place_it_breaks(tmp_path):
    data = encoders.MODEL_FILE.read_bytes()
    with pytest.raises(dlib_model.ModelFileError, match="the file ends too early at byte"):
        dlib_model.read(data[: len(data) // 2])
    with pytest.raises(dlib_model.ModelFileError, match="not a dlib network"):
        dlib_model.read(b"\x00" * 1000)


def test_another_dlib_model_file_is_refused_as_not_the_face_network():
    import face_recognition_models

    other = face_recognition_models.pose_predictor_five_point_model_location()
    with open(other, "rb") as handle:
        data = handle.read()
    with pytest.raises(dlib_model.ModelFileError):
        onnx_graph.build(dlib_model.read(data))


def test_a_network_with_a_layer_missing_is_refused_by_the_graph_builder():
    network = dlib_model.read(encoders.MODEL_FILE.read_bytes())
    del network.layers[5]
    with pytest.raises(dlib_model.ModelFileError, match="not the face-encoding network: layer 5"):
        onnx_graph.build(network)


def test_the_worker_says_which_encoder_it_runs(settings, caplog, tmp_path):
    from recognition import versions

    settings.FACE_ENCODER_CACHE = tmp_path
    previous, started = engine._encoder, versions._started
    versions._started = False
    try:
        with caplog.at_level(logging.INFO, logger="recognition.versions"):
            settings.FACE_ENCODER = "onnx"
            versions.encoder_start()
            versions._started = False
            settings.FACE_ENCODER = "dlib"
            versions.encoder_start()
    finally:
        engine._encoder, versions._started = previous, started
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("face encoder: onnx, graph ") for line in lines), lines
    assert any(line.startswith("face encoder: dlib;") for line in lines), lines


def test_a_refused_onnx_graph_leaves_the_worker_on_dlib(settings, caplog, tmp_path):
    from recognition import versions

    settings.FACE_ENCODER, settings.FACE_ENCODER_CACHE = "onnx", tmp_path
    previous, started = engine._encoder, versions._started
    versions._started = False
    original = encoders.check_against_dlib
    encoders.check_against_dlib = lambda *args: (_ for _ in ()).throw(encoders.EncoderError("differs by 0.3"))
    try:
        with caplog.at_level(logging.INFO, logger="recognition.versions"):
            chosen = versions.encoder_start()
        assert chosen.name == "dlib"
    finally:
        encoders.check_against_dlib = original
        engine._encoder, versions._started = previous, started
    assert "ONNX refused (differs by 0.3)" in caplog.text


def test_the_engine_encodes_every_face_of_a_group_photo_in_one_batch(onnx, monkeypatch):
    calls = []
    real = onnx.run
    monkeypatch.setattr(onnx, "run", lambda batch: calls.append(len(batch)) or real(batch))
    monkeypatch.setattr(engine, "_encoder", onnx)
    image = Image.open(photos.OBAMA_AND_BIDEN).convert("RGB")
    faces = engine.find_faces(image)
    assert len(faces) == 2 and calls == [2]
