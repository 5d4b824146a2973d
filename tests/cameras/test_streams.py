"""The stream runner against real streams served on this machine.

A video made from the fixture photos (a person crossing the frame in two
seconds, a gap, another person; a stranger) is served over RTSP by
GStreamer's RTSP server and over HTTP MJPEG; `manage.py cameras run`
processes read them, with real dlib, into a real PostgreSQL database.

Attendance cooldown is off here (ATTENDANCE_COOLDOWN_SECONDS=0) and the
cameras are check-in cameras: one event per pass is then the tracker's doing,
not the cooldown's.
"""

import time

import pytest
from django.test import override_settings

from portal.attendance.models import AttendanceEvent
from portal.cameras import texts
from portal.cameras.models import Camera
from portal.cameras.selectors import camera_health
from portal.review.models import UnknownFace, UnknownSighting
from recognition.models import Capture
from tests import photos
from tests.cameras import clips
from tests.cameras.harness import ALIAS, Runners, free_port, mjpeg_server, rtsp_server, shared_database, wait_until

pytestmark = pytest.mark.e2e

LEASE_SECONDS = 4
RUNNER_SETTINGS = {
    "CAMERA_LEASE_SECONDS": LEASE_SECONDS,
    "CAMERA_HEALTH_SECONDS": 0.5,
    "CAMERA_TIMEOUT_SECONDS": 3,
    "CAMERA_RECONNECT_MAX_SECONDS": 2,
    # the test clips are 640x360 with faces about 120 pixels wide: detection on the full frame
    "CAMERA_DETECT_SCALE": 1,
    "ATTENDANCE_COOLDOWN_SECONDS": 0,
    # the test's stream servers are on this machine: loopback is refused to cameras unless allowed
    "CAMERA_ALLOWED_HOSTS": "127.0.0.1",
}
CREDENTIALS = ("camera", "right-password")
HARD = {
    "hard-obama": lambda: clips.hard_pass(photos.OBAMA_3, photos.OBAMA_2),
    "hard-stranger": lambda: clips.far_then_close(clips.clips_sprite(photos.STRANGER)),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, django_db_blocker):
    """Clips, stream servers (plain and with a password, RTSP and MJPEG) and the shared database."""
    tmp = tmp_path_factory.mktemp("cameras")
    videos, folders = {}, {}
    for name, plan in clips.PEOPLE.items():
        pictures = clips.frames(plan, tail_seconds=40)
        videos[name] = clips.write_mp4(pictures, tmp / f"{name}.mp4")
        folders[name] = clips.write_jpegs(pictures, tmp / f"{name}-mjpeg")[0].parent
    # as hard as real footage: from far (48 px) to close, turned aside at first (tests/cameras/clips.py)
    for name, walker in HARD.items():
        videos[name] = clips.scene_clip([walker()], tmp / f"{name}.mp4", seconds=45)
    auth = ":".join(CREDENTIALS)
    servers = {
        "rtsp": rtsp_server(free_port(), videos, tmp / "rtsp.log").start(),
        "rtsp-auth": rtsp_server(free_port(), videos, tmp / "rtsp-auth.log", auth=auth).start(),
        "mjpeg": mjpeg_server(free_port(), folders, tmp / "mjpeg.log").start(),
        "mjpeg-auth": mjpeg_server(free_port(), folders, tmp / "mjpeg-auth.log", auth=auth).start(),
    }
    with django_db_blocker.unblock(), shared_database(tmp) as (url, env):
        runners = Runners({**env, **{k: str(v) for k, v in RUNNER_SETTINGS.items()}}, tmp)
        try:
            yield {"servers": servers, "runners": runners, "videos": videos, "folders": folders, "tmp": tmp}
        finally:
            runners.stop_all()
            for server in servers.values():
                server.kill()


@pytest.fixture
def shared(world, django_db_blocker):
    """The shared database, emptied of cameras and their results after each test."""
    with django_db_blocker.unblock():
        yield
        world["runners"].stop_all()
        AttendanceEvent.objects.using(ALIAS).all().delete()
        UnknownSighting.objects.using(ALIAS).all().delete()
        UnknownFace.objects.using(ALIAS).all().delete()
        Capture.objects.using(ALIAS).filter(source="camera").delete()
        Camera.objects.using(ALIAS).all().delete()


def url(world, server, path):
    scheme = "rtsp" if server.startswith("rtsp") else "http"
    return f"{scheme}://127.0.0.1:{world['servers'][server].port}/{path}"


def add_camera(name, kind, address, **fields):
    fields.setdefault("min_face", 60)
    camera = Camera(name=name, kind=kind, url=address, purpose=Camera.Purpose.IN, **fields)
    with override_settings(CAMERA_ALLOWED_HOSTS=[RUNNER_SETTINGS["CAMERA_ALLOWED_HOSTS"]]):
        camera.clean()
    camera.save(using=ALIAS)
    return camera


def camera(pk):
    return Camera.objects.using(ALIAS).get(pk=pk)


def tracks(cam):
    return list(Capture.objects.using(ALIAS).filter(camera_id=cam.pk).order_by("id"))


def events(cam):
    return list(
        AttendanceEvent.objects.using(ALIAS)
        .filter(capture__camera_id=cam.pk)
        .select_related("person", "capture")
        .order_by("at")
    )


@pytest.mark.parametrize("kind", ["rtsp", "mjpeg"])
def test_people_walking_by_give_one_event_each_and_broken_cameras_say_why(world, shared, kind):
    auth_server = f"{kind}-auth"
    one = add_camera("one person", kind, url(world, kind, "obama"))
    two = add_camera("two people", kind, url(world, kind, "two"))
    stranger = add_camera("a stranger", kind, url(world, kind, "stranger"))
    nothing_there = add_camera(
        "bad address", kind, f"{'rtsp' if kind == 'rtsp' else 'http'}://127.0.0.1:{free_port()}/x"
    )
    wrong = add_camera(
        "wrong password", kind, url(world, auth_server, "obama"), username=CREDENTIALS[0], password="wrong-password"
    )
    # an HTTP server's web page: not a video stream (for RTSP, not even the RTSP protocol)
    page = f"{'rtsp' if kind == 'rtsp' else 'http'}://127.0.0.1:{world['servers']['mjpeg'].port}/page"
    not_video = add_camera("not a video", kind, page)

    world["runners"].start("a")
    wait_until(lambda: len(events(two)) >= 2 and events(one) and tracks(stranger), 60, "every pass decided")
    time.sleep(3)  # the clips go on, empty: nothing more may be decided

    assert [e.person.name for e in events(one)] == ["Barack Obama"]
    assert [e.person.name for e in events(two)] == ["Barack Obama", "Joe Biden"]
    assert events(stranger) == []
    assert len(tracks(one)) == 1 and len(tracks(two)) == 2
    (unknown,) = tracks(stranger)
    assert unknown.result["faces"][0]["decision"] == "unknown"
    # the stranger is one entry on the review list, with the one sighting of this camera
    (entry,) = UnknownFace.objects.using(ALIAS).all()
    assert [s.camera_id for s in UnknownSighting.objects.using(ALIAS).filter(face=entry)] == [stranger.pk]
    assert entry.picture
    # the event's picture: the track's best frame, kept as the capture the event points to
    event = events(one)[0]
    assert event.source == "camera" and event.direction == "in"
    picture = world["tmp"] / "media" / event.capture.image.name  # the runners' MEDIA_ROOT
    assert picture.stat().st_size > 5000

    wait_until(lambda: all(camera(c.pk).health_at for c in (nothing_there, wrong, not_video)), 20, "health written")
    # nothing listening and a web page read the same: the health is no port scanner (the log says more)
    assert camera(nothing_there.pk).last_error == texts.NO_STREAM
    assert "Wrong user name or password" in camera(wrong.pk).last_error
    assert camera(not_video.pk).last_error == texts.NO_STREAM
    for broken in (nothing_there, wrong, not_video):
        health = camera_health(camera(broken.pk))
        assert health["state"] == "failing" and health["last_error_at"]
    # the broken cameras took nothing down: the good ones are still connected, the runner still runs
    assert camera(one.pk).connected and camera(two.pk).frames_per_second > 0
    assert world["runners"].processes["a"][0].poll() is None
    # the password is never written to the log, even for the camera it failed on
    assert "wrong-password" not in world["runners"].log("a")


def test_real_footage_over_rtsp_is_one_event_per_pass_at_any_rate_and_a_stranger_one_review_entry(world, shared):
    # a 48 px face coming closer, turned aside for its first second, at a cheap camera's quality;
    # one camera analyses 5 frames a second, one a single frame, as a runner falling far behind
    fast = add_camera("fast", "rtsp", url(world, "rtsp", "hard-obama"), analyse_fps=5, min_face=40)
    slow = add_camera("slow", "rtsp", url(world, "rtsp", "hard-obama"), analyse_fps=1, min_face=40)
    stranger = add_camera("stranger", "rtsp", url(world, "rtsp", "hard-stranger"), analyse_fps=2, min_face=40)
    world["runners"].start("a")

    def stranger_filed():
        return UnknownSighting.objects.using(ALIAS).filter(camera_id=stranger.pk).exists()

    # the stranger is filed only once the pass is over (CAMERA_PASS_SECONDS after it was last seen)
    wait_until(lambda: events(fast) and events(slow) and stranger_filed(), 90, "every pass decided")
    time.sleep(2)  # the clips go on, empty: nothing more may be decided
    for cam in (fast, slow):
        assert [e.person.name for e in events(cam)] == ["Barack Obama"] and len(tracks(cam)) == 1
    assert events(stranger) == []
    (entry,) = UnknownFace.objects.using(ALIAS).all()
    assert [s.camera_id for s in UnknownSighting.objects.using(ALIAS).filter(face=entry)] == [stranger.pk]


@pytest.mark.parametrize("kind", ["rtsp", "mjpeg"])
def test_a_stream_server_killed_and_restarted_is_reconnected_and_the_health_says_so(world, shared, kind, tmp_path):
    port = free_port()
    if kind == "rtsp":
        server = rtsp_server(port, {"two": world["videos"]["two"]}, tmp_path / "server.log").start()
    else:
        server = mjpeg_server(port, {"two": world["folders"]["two"]}, tmp_path / "server.log").start()
    try:
        cam = add_camera("lobby", kind, url({"servers": {kind: server}}, kind, "two"))
        world["runners"].start("a")
        wait_until(lambda: camera(cam.pk).connected and tracks(cam), 40, "the camera connected, a pass decided")

        server.kill()
        wait_until(lambda: not camera(cam.pk).connected, 15, "the runner to notice the server is gone")
        down = camera(cam.pk)
        assert down.last_error and down.last_error_at
        time.sleep(2)  # a few reconnection attempts against nothing
        decided_before = len(tracks(cam))

        server.start()
        wait_until(lambda: camera(cam.pk).connected, 20, "the runner to reconnect by itself")
        health = camera_health(camera(cam.pk))
        assert health["state"] == "connected" and health["reconnects"] >= 1
        assert health["last_error"] and health["last_error_at"]  # what happened, and when
        # and it works again: the clip starts over, its people are decided again
        wait_until(lambda: len(tracks(cam)) > decided_before, 30, "a pass decided after reconnecting")
    finally:
        server.kill()


def test_a_killed_runner_s_camera_is_taken_by_another_within_the_lease_time(world, shared):
    cam = add_camera("door cam", "rtsp", url(world, "rtsp", "two"))
    runners = world["runners"]
    first = runners.start("a")
    wait_until(lambda: camera(cam.pk).connected, 40, "the first runner reading the camera")
    assert f":{first.pid}:" in camera(cam.pk).lease_holder
    second = runners.start("b")
    wait_until(lambda: ": started" in runners.log("b"), 60, "the second runner to start")
    time.sleep(2)  # it looks for free cameras, and finds none
    assert f":{first.pid}:" in camera(cam.pk).lease_holder

    runners.kill("a")
    killed_at = time.monotonic()
    wait_until(lambda: f":{second.pid}:" in camera(cam.pk).lease_holder, LEASE_SECONDS + 2, "the second runner")
    taken_after = time.monotonic() - killed_at
    assert taken_after <= LEASE_SECONDS
    wait_until(lambda: camera(cam.pk).connected and camera(cam.pk).frames_per_second > 0, 20, "frames again")
