"""Cameras in the database and on the pages: credentials, leases, health, routing, pictures, retention."""

import io
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from portal.access.models import AccessEvent, Door, Zone
from portal.accounts.roles import ADMIN
from portal.attendance.models import AttendanceEvent
from portal.cameras import services, streams
from portal.cameras.models import Camera, mask_url
from portal.cameras.pictures import camera_picture_read, camera_picture_write
from portal.cameras.selectors import camera_health
from portal.kiosks.services import kiosk_snapshots_expire
from portal.review.models import UnknownFace, UnknownSighting
from recognition.models import Capture
from tests.factories import make_person, make_user
from tests.portal.access.helpers import ALWAYS, grant

pytestmark = pytest.mark.django_db

SECRET = "s3cret-pass-word"


def jpeg(color=(90, 90, 90), size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


def admin_client():
    client = Client()
    client.force_login(make_user("admin", role=ADMIN))
    return client


def a_camera(**fields):
    values = {"name": "Lobby", "kind": "rtsp", "url": "rtsp://10.0.0.5:554/stream1", **fields}
    return Camera.objects.create(**values)


# --- credentials ---------------------------------------------------------------------------------


def test_credentials_are_never_shown_back_by_the_pages_or_the_api():
    camera = a_camera(username="operator-name", password=SECRET)
    client = admin_client()
    for path in (reverse("cameras"), reverse("camera", args=[camera.pk]), reverse("cameras-health")):
        body = client.get(path).content.decode()
        assert SECRET not in body and "operator-name" not in body, path
    data = client.get(reverse("api:camera-detail", args=[camera.pk])).json()
    assert "password" not in data and "username" not in data
    assert data["has_credentials"] is True
    listing = client.get(reverse("api:camera-list")).content.decode()
    assert SECRET not in listing and "operator-name" not in listing


def test_the_stream_url_carries_the_credentials_and_the_shown_url_masks_them():
    camera = a_camera(username="op", password="p@ss:word")
    assert camera.stream_url() == "rtsp://op:p%40ss%3Aword@10.0.0.5:554/stream1"
    assert mask_url(camera.stream_url()) == "rtsp://***@10.0.0.5:554/stream1"
    assert camera.safe_url == "rtsp://10.0.0.5:554/stream1"


def test_saving_the_form_with_an_empty_password_keeps_the_stored_credentials():
    camera = a_camera(username="op", password=SECRET)
    response = admin_client().post(
        reverse("camera", args=[camera.pk]),
        {"name": "Lobby", "kind": "rtsp", "url": "rtsp://10.0.0.5:554/stream2", "snapshot_seconds": 1,
         "purpose": "auto", "door_side": "entry", "analyse_fps": 5, "min_face": 60, "enabled": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    camera.refresh_from_db()
    assert (camera.url, camera.username, camera.password) == ("rtsp://10.0.0.5:554/stream2", "op", SECRET)


def test_a_url_with_credentials_in_it_is_refused_so_that_it_can_never_be_shown_back():
    response = admin_client().post(
        reverse("api:camera-list"),
        {"name": "Gate", "kind": "rtsp", "url": f"rtsp://op:{SECRET}@10.0.0.5/s"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
    assert not Camera.objects.exists()


def test_a_camera_is_added_through_the_api_and_its_password_stays_write_only():
    response = admin_client().post(
        reverse("api:camera-list"),
        {"name": "Gate", "kind": "mjpeg", "url": "http://10.0.0.7/video.mjpg", "username": "op", "password": SECRET,
         "purpose": "in", "region": [0.25, 0, 0.75, 1]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert SECRET not in response.content.decode()
    camera = Camera.objects.get()
    assert (camera.password, camera.region, camera.purpose) == (SECRET, [0.25, 0, 0.75, 1], "in")
    assert response.json()["health"]["state"] == "waiting"


def test_the_form_refuses_a_door_reader_without_a_door_and_a_region_out_of_range():
    response = admin_client().post(
        reverse("camera-new"),
        {"name": "Gate", "kind": "rtsp", "url": "rtsp://10.0.0.5/s", "snapshot_seconds": 1, "purpose": "door",
         "door_side": "entry", "analyse_fps": 5, "min_face": 60, "region_text": "10, 0, 120, 100"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "door" in response.context["form"].errors and "region_text" in response.context["form"].errors


# --- leases and health ---------------------------------------------------------------------------


def test_a_camera_is_held_by_one_runner_and_taken_by_another_when_its_lease_runs_out():
    camera = a_camera()
    now = timezone.now()
    assert services.camera_leases_claim(holder="a", lease_seconds=10, now=now) == [camera.pk]
    assert services.camera_leases_claim(holder="b", lease_seconds=10, now=now + timedelta(seconds=5)) == []
    # a stops renewing (it died): when the lease runs out, b takes the camera
    later = now + timedelta(seconds=11)
    assert services.camera_leases_claim(holder="b", lease_seconds=10, now=later) == [camera.pk]
    assert services.camera_leases_renew(holder="a", ids=[camera.pk], lease_seconds=10, now=later) == set()
    assert not services.camera_health_write(holder="a", camera_id=camera.pk, connected=True)
    assert services.camera_health_write(holder="b", camera_id=camera.pk, connected=True)


def test_a_runner_holds_no_more_cameras_than_its_limit_and_lets_a_disabled_one_go():
    cameras = [a_camera(name=f"cam {i}") for i in range(3)]
    held = services.camera_leases_claim(holder="a", lease_seconds=10, limit=2)
    assert len(held) == 2
    assert services.camera_leases_claim(holder="b", lease_seconds=10) == [cameras[2].pk]
    Camera.objects.filter(pk=held[0]).update(enabled=False)
    assert services.camera_leases_renew(holder="a", ids=held, lease_seconds=10) == {held[1]}


def test_the_health_endpoint_and_the_picture_view_answer_admins_with_what_the_runner_wrote():
    camera = a_camera()
    client = admin_client()
    assert client.get(reverse("camera-picture", args=[camera.pk])).status_code == 404
    services.camera_leases_claim(holder="runner-1", lease_seconds=30)
    services.camera_health_write(
        holder="runner-1", camera_id=camera.pk, connected=True, connected_since=timezone.now(),
        frames_per_second=10.0, analysed_per_second=4.9, last_picture_at=timezone.now(),
        last_error="The stream ended.", last_error_at=timezone.now(), reconnects=1,
    )  # fmt: skip
    assert client.get(reverse("camera-picture", args=[camera.pk])).status_code == 404  # no file yet
    camera_picture_write(camera.pk, jpeg())
    (health,) = client.get(reverse("cameras-health")).json()["cameras"]
    assert health["state"] == "connected" and health["analysed_per_second"] == 4.9
    assert health["reconnects"] == 1 and health["last_error"] == "The stream ended."
    picture = client.get(health["picture_url"])
    assert picture["Content-Type"] == "image/jpeg" and picture["X-Content-Type-Options"] == "nosniff"
    assert picture["Cache-Control"] == "no-store"
    page = client.get(reverse("cameras")).content.decode()
    assert "js/cameras.js" in page and "<script>" not in page
    assert picture.content == jpeg()
    assert client.get(reverse("api:camera-picture", args=[camera.pk])).content == jpeg()
    camera_picture_write(camera.pk, b"\xff\xd8 another")  # replaced in place, never a row
    assert client.get(health["picture_url"]).content == b"\xff\xd8 another"
    pk = camera.pk
    camera.delete()
    assert camera_picture_read(pk) is None


# --- a decided track -----------------------------------------------------------------------------


def test_a_recognized_track_at_a_check_out_camera_records_a_check_out_with_its_best_frame():
    person = make_person("Barack Obama", employee_id="1042")
    camera = a_camera(purpose=Camera.Purpose.OUT)
    capture = services.camera_track_record(
        camera=camera, person_id=person.pk, distance=0.31, first_seen=timezone.now().timestamp(),
        frame_jpeg=jpeg(), box=(10, 50, 50, 10), frames=7, unknown_face=None,
    )  # fmt: skip
    event = AttendanceEvent.objects.get()
    assert (event.person, event.direction, event.source, event.capture) == (person, "out", "camera", capture)
    assert capture.camera == camera and capture.image
    assert capture.result["faces"][0]["event"] == "created"


def test_an_admin_deletes_a_camera_after_confirming_its_runner_lets_it_go_and_its_events_stay():
    person = make_person("Barack Obama", employee_id="1042")
    camera = a_camera(username="camera", password=SECRET)
    assert services.camera_leases_claim(holder="a", lease_seconds=10) == [camera.pk]
    capture = services.camera_track_record(
        camera=camera, person_id=person.pk, distance=0.31, first_seen=timezone.now().timestamp(),
        frame_jpeg=jpeg(), box=(10, 50, 50, 10), frames=7, unknown_face=None,
    )  # fmt: skip
    client = admin_client()
    page = client.get(reverse("camera-delete", args=[camera.pk]))
    assert page.status_code == 200 and "Delete the camera Lobby?" in page.content.decode()
    assert Camera.objects.filter(pk=camera.pk).exists()  # nothing happens before the confirmation
    done = client.post(reverse("camera-delete", args=[camera.pk]))
    assert done.status_code == 302 and done["Location"] == reverse("cameras")
    assert not Camera.objects.filter(pk=camera.pk).exists()
    assert services.camera_leases_renew(holder="a", ids=[camera.pk], lease_seconds=10) == set()
    capture.refresh_from_db()
    assert capture.camera is None and capture.image
    assert AttendanceEvent.objects.get().capture == capture


def test_an_unknown_track_records_its_picture_and_no_attendance_event():
    camera = a_camera()
    capture = services.camera_track_record(
        camera=camera, person_id=None, distance=0.7, first_seen=timezone.now().timestamp(),
        frame_jpeg=jpeg(), box=(10, 50, 50, 10), frames=5, unknown_face=b"\0" * 512,
    )  # fmt: skip
    assert not AttendanceEvent.objects.exists()
    assert capture.result["faces"][0]["decision"] == "unknown"


def test_a_camera_reading_for_a_door_decides_access_like_a_kiosk_there():
    zone = Zone.objects.create(name="Research")
    door = Door.objects.create(name="Lab 2", zone=zone, time_clock=True)
    camera = a_camera(purpose=Camera.Purpose.DOOR, door=door, door_side="exit")
    allowed, refused = make_person("Barack Obama", employee_id="1"), make_person("Joe Biden", employee_id="2")
    grant(allowed, doors=[door], windows=ALWAYS)
    for person in (allowed, refused):
        services.camera_track_record(
            camera=camera, person_id=person.pk, distance=0.3, first_seen=timezone.now().timestamp(),
            frame_jpeg=jpeg(), box=(10, 50, 50, 10), frames=5, unknown_face=None,
        )  # fmt: skip
    granted = AccessEvent.objects.get(person=allowed)
    assert (granted.result, granted.direction, granted.door) == ("granted", "exit", door)
    assert AccessEvent.objects.get(person=refused).result == "denied"
    # the door is a time clock: the one who passed is checked out, the one refused is not
    assert list(AttendanceEvent.objects.values_list("person__name", "direction")) == [("Barack Obama", "out")]


def test_camera_pictures_expire_with_the_kiosk_pictures_and_the_events_stay():
    person = make_person()
    camera = a_camera()
    capture = services.camera_track_record(
        camera=camera, person_id=person.pk, distance=0.3, first_seen=timezone.now().timestamp(),
        frame_jpeg=jpeg(), box=(10, 50, 50, 10), frames=5, unknown_face=None,
    )  # fmt: skip
    Capture.objects.filter(pk=capture.pk).update(created_at=timezone.now() - timedelta(days=40))
    assert kiosk_snapshots_expire(days=30) == 1
    capture.refresh_from_db()
    assert not capture.image
    assert AttendanceEvent.objects.filter(capture=capture).exists()


# --- snapshot cameras (a real HTTP server on this machine) ---------------------------------------


@pytest.fixture
def snapshot_server(settings):
    # a server of the test's own on this machine: loopback is refused to cameras unless allowed
    settings.CAMERA_ALLOWED_HOSTS = ["127.0.0.1"]
    answers = {"/snap.jpg": (200, "image/jpeg", jpeg((200, 10, 10))), "/page": (200, "text/html", b"<p>hello</p>")}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/locked.jpg":
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="cam"')
                self.end_headers()
                return
            status, kind, body = answers.get(self.path, (404, "text/plain", b"no"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def read_one(camera):
    frames = streams.frames(camera, timeout=3, stop=lambda: False)
    frame, _ = next(frames)
    frames.close()
    return frame()


def test_a_snapshot_camera_is_polled_for_pictures(snapshot_server):
    rgb = read_one(Camera(name="s", kind="snapshot", url=f"{snapshot_server}/snap.jpg", snapshot_seconds=0.2))
    assert rgb.shape == (48, 64, 3) and rgb[0, 0, 0] > 150


@pytest.mark.parametrize(
    ("path", "says", "detail"),
    [
        ("/locked.jpg", "Wrong user name or password", ""),
        ("/page", "did not give a picture", "not a picture: text/html"),
        ("/missing.jpg", "did not give a picture", "HTTP 404"),
    ],
)
def test_a_snapshot_camera_that_gives_no_picture_says_why(snapshot_server, path, says, detail):
    camera = Camera(name="s", kind="snapshot", url=f"{snapshot_server}{path}", username="op", password=SECRET)
    with pytest.raises(streams.StreamError) as failure:
        read_one(camera)
    # the health says no picture; what answered instead is for the runner's log
    assert says in failure.value.message and SECRET not in failure.value.message
    assert detail in failure.value.detail


# --- one decision per track (the runner's analysis, on real encodings) ----------------------------


@pytest.fixture
def analysis(monkeypatch, settings):
    """A camera's TrackAnalysis whose frames are given as faces (encodings of the real fixture photos)."""
    from portal.cameras import analysis as module
    from portal.cameras.runner import Health
    from recognition import decision, engine, imaging, processing, tracking
    from tests import photos
    from tests.factories import enrolled

    settings.CAMERA_DECIDE_AFTER_FRAMES = 3
    settings.CAMERA_TRACK_GAP_SECONDS = 1.0
    settings.ATTENDANCE_COOLDOWN_SECONDS = 0
    enrolled("Barack Obama", photos.OBAMA_2, employee_id="1042")
    faces = {}
    options = processing.detect_options()  # the active encoding version's, as the runner's
    for name, path in (("obama", photos.OBAMA), ("stranger", photos.STRANGER)):
        (found,) = engine.find_faces(imaging.decode(photos.read(path)), options)
        faces[name] = found.encoding
    frame = {"faces": []}
    monkeypatch.setattr(module.tracking, "faces_in_frame", lambda *a, **k: frame["faces"])

    # a doubtful view of Obama (turned aside): near his other frames, too far from his enrolled face
    away = np.random.default_rng(7).normal(size=len(faces["obama"])).astype(np.float32)
    scale = decision.calibration(options.version).scale
    faces["doubtful"] = faces["obama"] + 0.42 * scale * away / np.linalg.norm(away)

    def show(name, t):
        if name is None:
            frame["faces"] = []
            return
        box = (100, 300, 300, 100)
        face = tracking.Face(box=box, encoding=faces[name], quality=0.8, sharpness=200.0, frontalness=0.9,
                             picture=jpeg(), t=t)  # fmt: skip
        frame["faces"] = [face] if name else []

    camera = a_camera(purpose=Camera.Purpose.IN)
    watch = module.TrackAnalysis(camera, Health())
    rgb = np.zeros((360, 640, 3), dtype=np.uint8)

    def play(name, start, frames, step=0.2, end=True):
        for i in range(frames):
            show(name, start + i * step)
            watch(rgb, start + i * step)
        frame["faces"] = []
        if end:  # long after, with nobody in the frames: the track and its pass end
            for t in range(1, 12):
                watch(rgb, start + frames * step + t)

    return camera, play


def test_a_recognized_person_is_decided_once_while_still_passing(analysis):
    camera, play = analysis
    play("obama", 1000.0, 8)
    (capture,) = Capture.objects.filter(camera=camera)
    # the first frame recognized with room to spare decides: later frames cannot take it back
    assert capture.result["faces"][0]["name"] == "Barack Obama" and capture.result["faces"][0]["frames"] == 1
    assert AttendanceEvent.objects.count() == 1


def test_a_stranger_is_decided_once_when_the_track_ends_from_all_its_frames(analysis):
    camera, play = analysis
    play("stranger", 1000.0, 8)
    (capture,) = Capture.objects.filter(camera=camera)
    assert capture.result["faces"][0]["decision"] == "unknown" and capture.result["faces"][0]["frames"] == 8
    assert not AttendanceEvent.objects.exists()


def test_a_face_seen_in_one_frame_only_is_not_decided(analysis):
    camera, play = analysis
    play("stranger", 1000.0, 1)
    assert not Capture.objects.filter(camera=camera).exists()


def test_a_pass_cut_in_two_by_slow_analysis_is_one_event_and_no_unknown_face_to_review(analysis):
    camera, play = analysis
    # one analysed frame a second: turned aside at first (not recognized), hidden for longer than the
    # track's gap, then facing the camera: two tracks of one pass
    play("doubtful", 1000.0, 3, step=1.0, end=False)
    play(None, 1003.0, 3, step=1.0, end=False)
    play("obama", 1006.0, 3, step=1.0)
    (capture,) = Capture.objects.filter(camera=camera)
    assert capture.result["faces"][0]["name"] == "Barack Obama"
    assert AttendanceEvent.objects.count() == 1
    assert not UnknownFace.objects.exists()


def test_a_stranger_s_pass_is_one_entry_on_the_review_list(analysis):
    camera, play = analysis
    play("stranger", 1000.0, 3, step=1.0, end=False)
    play(None, 1003.0, 3, step=1.0, end=False)
    play("stranger", 1006.0, 3, step=1.0)
    (capture,) = Capture.objects.filter(camera=camera)
    assert capture.result["faces"][0]["decision"] == "unknown" and capture.result["faces"][0]["frames"] == 6
    (entry,) = UnknownFace.objects.all()
    assert UnknownSighting.objects.filter(face=entry).count() == 1


def test_a_recognized_person_s_later_piece_of_the_same_pass_makes_no_second_event(analysis):
    camera, play = analysis
    play("obama", 1000.0, 3, step=1.0, end=False)
    play(None, 1003.0, 3, step=1.0, end=False)
    play("doubtful", 1006.0, 2, step=1.0, end=False)
    play("obama", 1008.0, 2, step=1.0)
    assert Capture.objects.filter(camera=camera).count() == 1
    assert AttendanceEvent.objects.count() == 1 and not UnknownFace.objects.exists()


def test_a_door_camera_s_gate_keeps_a_pass_from_opening_until_it_says_yes(analysis, monkeypatch):
    from portal.cameras.analysis import TrackAnalysis

    camera, play = analysis
    asked = []
    gate = staticmethod(lambda track: asked.append(track.frames) or track.frames >= 2)
    monkeypatch.setattr(TrackAnalysis, "gate", gate)
    play("obama", 1000.0, 4)
    (capture,) = Capture.objects.filter(camera=camera)
    assert asked[:2] == [1, 2] and capture.result["faces"][0]["frames"] == 2


# --- health: faces, analysis rate, load shed evenly -----------------------------------------------


def watched(camera, **health):
    """A runner holding the camera, with what its threads observed (no stream: the health only)."""
    import time

    from portal.cameras.runner import Runner, Watch

    runner = Runner(analyser=lambda camera, health: None, holder="runner-1", health_seconds=1)
    services.camera_leases_claim(holder="runner-1", lease_seconds=30)
    watch = Watch(camera, runner.analyser, runner.turns)
    for name, value in {"connected": True, "connected_since": timezone.now(), **health}.items():
        setattr(watch.health, name, value)
    runner.watches[camera.pk] = watch
    runner._counts[camera.pk] = (time.monotonic() - 10, 0, 0, 0)  # the rates: over the last 10 s
    return runner


def textured(level=120):
    rng = np.random.default_rng(3)
    return np.clip(rng.normal(level, 40, size=(360, 640, 3)), 0, 255).astype(np.uint8)


def test_a_camera_read_for_long_without_a_face_says_so_with_the_likely_cause(settings):
    import time

    settings.CAMERA_NO_FACE_MINUTES = 30
    camera = a_camera(min_face=60)
    now = time.time()
    long_ago = now - 31 * 60
    runner = watched(camera, reading_since=long_ago, frames=100, analysed=50, moved_at=now - 5, picture=textured())
    runner._health()
    camera.refresh_from_db()
    assert camera.last_picture_at and camera_picture_read(camera.pk)[:2] == b"\xff\xd8"  # a JPEG file, not a row
    assert camera.warning.startswith("No face found for 30 minutes while reading, though the picture moves")
    assert "minimum face size (60 px)" in camera.warning
    health = camera_health(camera)
    assert health["warning"] == camera.warning and health["analysis_enough"] is True
    # a face found lately: nothing to say
    runner.watches[camera.pk].health.last_face_at = now - 60
    runner._counts[camera.pk] = (time.monotonic() - 10, 0, 0, 0)
    runner._health()
    camera.refresh_from_db()
    assert camera.warning == ""
    # a dark picture, and one where nothing moves: the cause said is another
    dark = watched(camera, reading_since=long_ago, analysed=50, moved_at=now, picture=textured(level=10))
    dark._health()
    camera.refresh_from_db()
    assert "the picture is very dark" in camera.warning
    still = watched(camera, reading_since=long_ago, analysed=50, moved_at=long_ago, picture=textured())
    still._health()
    camera.refresh_from_db()
    assert "nothing moved in the picture" in camera.warning
    # in the reader's language
    from django.utils import translation

    with translation.override("zh-hans"):
        assert camera_health(camera)["warning"] != camera.warning


def test_a_camera_analysed_too_slowly_to_follow_people_says_so(settings):
    import time

    settings.CAMERA_MIN_ANALYSED_FPS = 1.0
    camera = a_camera(analyse_fps=5)
    runner = watched(camera, reading_since=time.time() - 60, analysed=5, last_face_at=time.time(), picture=textured())
    runner._health()  # 5 frames in 10 s: 0.5 a second
    camera.refresh_from_db()
    assert camera.analysed_per_second == 0.5
    assert camera.warning.startswith("Analysis too slow to follow people: 0.5 frames a second analysed")
    health = camera_health(camera)
    assert health["analysis_enough"] is False and "too slow" in health["analysis_text"]
    # 3 a second of the 5 asked: enough to follow people, the load is said to be shared
    runner = watched(camera, reading_since=time.time() - 60, analysed=30, last_face_at=time.time(), picture=textured())
    runner._health()
    camera.refresh_from_db()
    assert camera.warning.startswith("Analysing 3 of the 5 frames a second asked")
    assert camera_health(camera)["analysis_enough"] is True


def test_a_runner_s_cameras_take_turns_for_the_cpu_in_the_order_they_asked():
    from portal.cameras.runner import Turns

    turns = Turns(slots=1)
    counts = {name: 0 for name in "abc"}
    stop = threading.Event()
    lock = threading.Lock()

    ready = threading.Barrier(3)

    def camera(name):
        ready.wait(30)
        while not stop.is_set():
            with turns.turn():
                with lock:
                    counts[name] += 1
                    if sum(counts.values()) >= 300:
                        stop.set()
                stop.wait(0.002)  # a frame's analysis, while the others wait their turn

    threads = [threading.Thread(target=camera, args=(name,)) for name in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # each waits its turn behind the others: none takes the CPU, none starves
    assert max(counts.values()) - min(counts.values()) <= 2, counts


# --- the address tested when saved, and the health's blanks filled (issue 25, item 10) -----------


def closed_port():
    """A local port nothing listens on (bound, then let go)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_camera_s_address_is_tested_when_saved_and_the_answer_shown(
    snapshot_server, django_capture_on_commit_callbacks
):
    client = admin_client()
    fields = {"name": "Gate", "kind": "snapshot", "url": f"{snapshot_server}/snap.jpg", "snapshot_seconds": 1,
              "purpose": "auto", "door_side": "entry", "analyse_fps": 5, "min_face": 60, "enabled": "on"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("camera-new"), fields)
    assert response.status_code == 302, response.content
    camera = Camera.objects.get()
    assert camera.address_test == "works" and camera.address_tested_at
    page = client.get(response["Location"]).content.decode()
    assert "A picture of 64x48 pixels was read at this address." in page
    # a web page where the picture should be: saved, tested, and the page says no picture came
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("camera", args=[camera.pk]), {**fields, "url": f"{snapshot_server}/page"})
    camera.refresh_from_db()
    assert camera.address_test == "fails"
    assert "did not give a picture" in client.get(reverse("camera", args=[camera.pk])).content.decode()
    # an RTSP address where nothing listens: no stream, and not what answered
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("camera", args=[camera.pk]),
            {**fields, "kind": "rtsp", "url": f"rtsp://127.0.0.1:{closed_port()}/s"},
        )
    (health,) = client.get(reverse("cameras-health")).json()["cameras"]
    assert health["address_test"] == "fails"
    assert health["address_test_text"].startswith("No video stream could be read at this address")
    # saved again without changing the address: not tested again
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(
            reverse("camera", args=[camera.pk]), {**fields, "name": "Gate 2", "kind": "rtsp", "url": camera.url}
        )
    assert camera.address_test == "fails" and not queued


def test_a_camera_that_keeps_failing_says_since_when_and_that_it_is_trying_again():
    camera = a_camera()
    runner = watched(camera, connected=False, connected_since=None)
    watch = runner.watches[camera.pk]
    for _ in range(3):
        watch._failed(streams.texts.NO_STREAM, "refused")
    runner._health()
    camera.refresh_from_db()
    health = camera_health(camera)
    assert health["state"] == "failing" and camera.failed_attempts == 3
    assert health["state_since"] == "since " + timezone.localtime(camera.failing_since).strftime("%Y-%m-%d %H:%M:%S")
    assert health["reconnects_text"] == "0; trying again: 3 attempts failed so far"
    # connected (a first connection), lost, connected again: one reconnect, the failures forgotten
    watch._connected()
    watch._failed(streams.texts.ENDED)
    watch._connected()
    runner._health()
    camera.refresh_from_db()
    health = camera_health(camera)
    assert (
        health["reconnects_text"] == "1" and camera.failed_attempts == 0 and health["state_since"].startswith("since ")
    )


@pytest.mark.django_db(transaction=True)
def test_a_pass_whose_record_hits_a_locked_database_is_recorded_again_once(monkeypatch):
    """SQLite answers "database is locked" at once when two camera threads' transactions meet:
    the failed attempt leaves nothing, the next one records the pass, nothing doubled."""
    from types import SimpleNamespace

    from django.db import OperationalError

    from portal.cameras import analysis

    person = make_person("Barack Obama", employee_id="1042")
    camera = a_camera(purpose=Camera.Purpose.IN)
    hand_over, calls = services.sighting_hand_over, []

    def locked_once(sighting):
        calls.append(sighting)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return hand_over(sighting)

    monkeypatch.setattr(services, "sighting_hand_over", locked_once)
    monkeypatch.setattr(analysis.time, "sleep", lambda seconds: None)

    def record(one):
        services.camera_track_record(
            camera=camera, person_id=person.pk, distance=0.31, first_seen=one.first_seen,
            frame_jpeg=jpeg(), box=(10, 50, 50, 10), frames=4, unknown_face=None,
        )  # fmt: skip

    runner = SimpleNamespace(
        camera=camera, _record=record, best_frames={}, tracker=SimpleNamespace(active=[], recent=[])
    )
    one = SimpleNamespace(pass_id=1, first_seen=timezone.now().timestamp())
    analysis.TrackAnalysis._record_all(runner, [one])
    assert len(calls) == 2
    assert Capture.objects.count() == 1  # the failed attempt's row went with its transaction
    assert AttendanceEvent.objects.get().person == person
    # and its picture with it: a face picture without a row would escape retention and erasure
    from pathlib import Path

    from django.conf import settings

    pictures = [p.name for p in Path(settings.MEDIA_ROOT).rglob("*.jpg")]
    assert pictures == [Path(Capture.objects.get().image.name).name]
