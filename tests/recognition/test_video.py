"""Reading uploaded videos (recognition/video.py) on clips made with ffmpeg: no database."""

import io

import pytest

from recognition import video
from tests import photos
from tests.clips import Walk, clip, sprite


@pytest.fixture(scope="module")
def mp4(tmp_path_factory):
    face = sprite(photos.OBAMA, face_width=80)
    walk = Walk(face, 0.0, 2.0, (0, 60), (400, 60))
    return clip(tmp_path_factory.mktemp("clips") / "walk.mp4", [walk], seconds=2.0, fps=10)


def probe(data, **limits):
    return video.probe(io.BytesIO(data), len(data), video.Limits(**limits))


def rejected(data, **limits):
    with pytest.raises(video.VideoRejected) as caught:
        probe(data, **limits)
    return caught.value.code


def test_an_mp4_is_probed_for_its_size_duration_and_container(mp4):
    found = probe(mp4.read_bytes())
    assert (found.width, found.height) == (640, 360)
    assert found.duration == pytest.approx(2.0, abs=0.15)
    assert (found.demuxer, found.suffix) == ("mov", ".mp4")


def test_a_matroska_video_is_read_too(tmp_path):
    path = clip(tmp_path / "walk.mkv", [], seconds=1.0, fps=10)
    assert probe(path.read_bytes()).suffix == ".mkv"


def test_frames_are_sampled_evenly_in_time(mp4):
    with open(mp4, "rb") as handle:
        times = [t for t, _ in video.frames(handle, "mov", fps=5, max_seconds=60)]
    assert times == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8], abs=0.01)


def test_frames_stop_at_the_longest_duration_analysed(mp4):
    with open(mp4, "rb") as handle:
        arrays = [rgb for _, rgb in video.frames(handle, "mov", fps=10, max_seconds=0.5)]
    assert len(arrays) == 6 and arrays[0].shape == (360, 640, 3)


@pytest.mark.parametrize(
    "data",
    [
        b"\x00" * 4096,
        photos.read(photos.OBAMA),  # a picture is not a video
        b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n",  # a playlist naming another file: never opened
        b"ffconcat version 1.0\nfile '/etc/passwd'\n",
    ],
    ids=["zeros", "jpeg", "hls-playlist", "concat-list"],
)
def test_what_is_not_a_known_video_container_is_refused_before_ffmpeg_reads_it(data):
    assert rejected(data) == "not_video"


def test_a_truncated_video_is_refused_as_damaged(mp4):
    data = mp4.read_bytes()
    assert rejected(data[: len(data) // 3]) == "damaged"


def test_a_video_with_a_known_header_and_garbage_after_it_is_refused_as_damaged():
    assert rejected(b"\x00\x00\x00\x18ftypisom" + b"\x17" * 5000) == "damaged"


def test_too_large_too_long_and_empty_are_refused_with_their_reason(mp4):
    data = mp4.read_bytes()
    assert rejected(data, max_bytes=len(data) - 1) == "too_large"
    assert rejected(data, max_seconds=1) == "too_long"
    assert rejected(b"") == "empty"
