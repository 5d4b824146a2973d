"""Clips as hard as real footage, through the runner's whole analysis and the router, with the database.

The clips are made with ffmpeg from the fixture photos (tests/cameras/clips.py) at a cheap camera's
quality and read back with PyAV, as the runner reads a stream: a 640x360 picture, a face coming from
far (48 px) to close (140 px), its first second another photo of the person, turned aside, the rest a
third photo (Obama is enrolled from a fourth, his frontal portrait). Each clip is analysed by a
camera's own `TrackAnalysis` (the finder, tracker and passes of `manage.py cameras run`) at the rates
a runner falling behind gets, and what it records goes through the one router: attendance events and
the review list are counted in the database.
"""

import time

import pytest

from portal.attendance.models import AttendanceEvent
from portal.cameras.models import Camera
from portal.review.models import UnknownFace, UnknownSighting
from recognition import decision, engine, gallery, processing, tracking
from recognition.models import Capture
from tests import photos
from tests.cameras import clips
from tests.factories import enrolled

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SECONDS = 5.5  # the pass is from 0.5 s to 4.5 s, then an empty second


@pytest.fixture(scope="module")
def footage(tmp_path_factory):
    """{name: decoded frames}: an enrolled person's pass, a stranger's, and a far face that stays far."""
    folder = tmp_path_factory.mktemp("clips")
    scenes = {
        "obama": [clips.hard_pass(photos.OBAMA_3, photos.OBAMA_2)],
        # the stranger has one photo: turned by squeezing only
        "stranger": [clips.far_then_close(clips.clips_sprite(photos.STRANGER))],
        "far": [clips.Walker(clips.clips_sprite(photos.OBAMA_3), 0.0, 2.0, (150, 150), (450, 170), (48, 48))],
    }
    return {
        name: clips.decoded(clips.scene_clip(walkers, folder / f"{name}.mp4", seconds=SECONDS))
        for name, walkers in scenes.items()
    }


@pytest.fixture
def obama(settings):
    settings.ATTENDANCE_COOLDOWN_SECONDS = 0  # one event per pass must be the tracker's doing
    return enrolled("Barack Obama", photos.OBAMA, employee_id="1042")


def watch(frames, fps, **fields):
    """A check-in camera at the runner's defaults, given the frames analysed at `fps`; then time
    goes on with nobody in view until every pass is over."""
    from portal.cameras.analysis import TrackAnalysis
    from portal.cameras.runner import Health

    camera = Camera.objects.create(
        name=f"Door at {fps}/s", kind="rtsp", url="rtsp://10.0.0.5:554/s", purpose="in", min_face=40, **fields
    )
    analysis = TrackAnalysis(camera, Health())
    start = time.time() - 60
    for t, rgb in clips.analysed(frames, fps):
        analysis(rgb, start + t)
    end = start + frames[-1][0]
    for later in range(1, 8):
        analysis.idle(end + later)
    return camera, analysis


def test_a_48_px_face_in_an_h264_640x360_clip_is_found_and_named(footage, obama):
    finder = tracking.FaceFinder(engine, min_face=40, floor=0.5)
    known = gallery.current()
    version = known.encoding_version or None
    rule = processing.decision_rule(version)
    per_frame = []
    for t, rgb in clips.analysed(footage["far"], 2)[:5]:  # the face walks, 48 px wide, for 2 s
        faces = finder(rgb, t, options=processing.detect_options(version))
        assert all(38 <= face.width <= 64 for face in faces)
        per_frame.append(faces)
    # found once in every frame from the second on; in the first too by a detector that looks at the
    # whole picture (YuNet), not by HOG, which looks where something moved (nothing did yet)
    assert [len(faces) for faces in per_frame[1:]] == [1, 1, 1, 1]
    assert len(per_frame[0]) <= 1
    found = [face for faces in per_frame for face in faces]
    named = [decision.decide(known, face.encoding, rule) for face in found]
    assert sum(match.accepted and match.person_id == obama.pk for match in named) >= 2
    together = decision.decide_frames(known, [face.encoding for face in found], rule)
    assert together.accepted and together.person_id == obama.pk


@pytest.mark.parametrize("fps", [1, 2, 5])
def test_one_pass_of_an_enrolled_person_turned_at_first_is_one_event_and_no_review_entry(footage, obama, fps):
    camera, _ = watch(footage["obama"], fps)
    (event,) = AttendanceEvent.objects.all()
    assert event.person == obama and event.capture.camera_id == camera.pk
    assert Capture.objects.filter(camera=camera).count() == 1
    assert not UnknownFace.objects.exists()


def test_a_stranger_s_pass_is_one_entry_on_the_review_list(footage, obama):
    camera, _ = watch(footage["stranger"], 2)
    assert not AttendanceEvent.objects.exists()
    (entry,) = UnknownFace.objects.all()
    assert [s.camera_id for s in UnknownSighting.objects.filter(face=entry)] == [camera.pk]
