"""A camera's address is data: a CR/LF in it never reaches a service, and it cannot point at the portal's own.

The attack (issue 21): `rtsp://127.0.0.1:6379/x\\r\\nSET k pwned\\r\\nECHO` passed validation (urlsplit
drops CR/LF before parsing), FFmpeg wrote it into its RTSP request line and Redis ran SET; the API
answered 500 yet saved the camera, with the stream URL as its Location header; the health told a
closed port from a database.
"""

import importlib
import logging
import os
import socket
import threading
import uuid

import pytest
import redis
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import ADMIN
from portal.cameras import streams, texts
from portal.cameras.models import Camera
from portal.core.logs import SafeFormatter
from tests.factories import make_user

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def admin_client():
    client = Client()
    client.force_login(make_user("admin", role=ADMIN))
    return client


def redis_port():
    return redis.Redis.from_url(REDIS_URL).connection_pool.connection_kwargs["port"]


def smuggling_url(key):
    return f"rtsp://127.0.0.1:{redis_port()}/x\r\nSET {key} pwned\r\nECHO"


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://10.0.0.5/x\r\nSET k pwned\r\nECHO",
        "rtsp://10.0.0.5/x\nSET k v",
        "rtsp://10.0.0.5/a b",
        "rtsp://10.0.0.5/x\t",
        " rtsp://10.0.0.5/x",
        "rtsp://10.0.0.5/x\u2028y",
        "rtsp://10.0.0.5/x\x1b[2J",
    ],
)
def test_control_characters_and_whitespace_anywhere_in_an_address_are_refused_by_the_api(url):
    response = admin_client().post(
        reverse("api:camera-list"), {"name": "Gate", "kind": "rtsp", "url": url}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "url" in response.json()["error"]["fields"]
    assert not Camera.objects.exists()


def test_the_page_form_refuses_the_redis_smuggling_address():
    response = admin_client().post(
        reverse("camera-new"),
        {"name": "Gate", "kind": "rtsp", "url": smuggling_url("k"), "snapshot_seconds": 1, "purpose": "auto",
         "door_side": "entry", "analyse_fps": 5, "min_face": 60, "enabled": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "url" in response.context["form"].errors
    assert not Camera.objects.exists()


def test_a_stored_smuggling_address_is_never_opened_and_redis_receives_nothing(settings):
    """Even a row written around the form (a shell, an older version), with loopback and the port allowed."""
    settings.CAMERA_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CAMERA_ALLOWED_PORTS = [str(redis_port())]
    key = f"sec-pwned-{uuid.uuid4().hex}"
    camera = Camera.objects.create(name="Gate", kind="rtsp", url=smuggling_url(key))
    with pytest.raises(streams.StreamError) as refused:
        next(streams.frames(camera, timeout=3, stop=lambda: False))
    assert refused.value.message == texts.NOT_ALLOWED
    # SET without SELECT writes database 0 of that Redis
    assert redis.Redis.from_url(REDIS_URL, db=0).get(key) is None


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://127.0.0.1:8554/x",  # loopback
        "rtsp://[::1]:8554/x",
        "rtsp://localhost:8554/x",
        "rtsp://cam.localhost/x",
        "http://169.254.169.254/latest/meta-data",  # link-local: a cloud's metadata service
        "rtsp://0.0.0.0:8554/x",
        "rtsp://[::ffff:127.0.0.1]:8554/x",
        "rtsp://10.0.0.5:6379/x",  # the portal's own services' ports, whatever the host
        "rtsp://10.0.0.5:5432/x",
        "rtsp://10.0.0.5:1883/x",
        "file:///etc/passwd",
        "concat:rtsp://10.0.0.5/a|file:///etc/passwd",
        "ftp://10.0.0.5/x",
    ],
)
def test_by_default_cameras_cannot_point_at_this_machine_link_local_addresses_or_service_ports(url):
    kind = "mjpeg" if url.startswith("http") else "rtsp"
    camera = Camera(name="Gate", kind=kind, url=url)
    with pytest.raises(Exception) as refused:
        camera.clean()
    assert "url" in refused.value.message_dict


def test_the_allowed_hosts_and_ports_settings_open_loopback_explicitly_and_limit_everything_else(settings):
    settings.CAMERA_ALLOWED_HOSTS = ["127.0.0.1", "10.20.0.0/16", "cam.example.org"]
    settings.CAMERA_ALLOWED_PORTS = ["554", "8000-8099"]
    for url in ("rtsp://127.0.0.1:8010/x", "rtsp://10.20.3.4/x", "rtsp://cam.example.org:8099/x"):
        Camera(name="ok", kind="rtsp", url=url).clean()
    for url in ("rtsp://10.21.0.1/x", "rtsp://other.example.org/x", "rtsp://127.0.0.1:8554/x", "rtsp://[::1]/x"):
        with pytest.raises(Exception) as refused:
            Camera(name="no", kind="rtsp", url=url).clean()
        assert "url" in refused.value.message_dict, url


def test_a_host_name_that_resolves_to_loopback_is_refused_by_the_runner_before_opening():
    camera = Camera(name="Gate", kind="rtsp", url="rtsp://localhost.:8554/x")
    # a trailing dot is the same name
    with pytest.raises(streams.StreamError) as refused:
        next(streams.frames(camera, timeout=3, stop=lambda: False))
    assert refused.value.message == texts.NOT_ALLOWED


def test_the_api_never_sends_the_stream_address_as_a_header():
    response = admin_client().post(
        reverse("api:camera-list"),
        {"name": "Gate", "kind": "rtsp", "url": "rtsp://10.0.0.5:554/stream1"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert "Location" not in response.headers
    assert not any("10.0.0.5" in value for value in response.headers.values())


@pytest.fixture
def listeners():
    """A closed port, and a port whose server answers one line of a foreign protocol and hangs up."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def answer():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.recv(4096)
                conn.sendall(b"-ERR unknown command 'OPTIONS'\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield closed_port, server.getsockname()[1]
    stop.set()
    thread.join(5)
    server.close()


def test_the_health_does_not_tell_a_closed_port_from_a_foreign_service(settings, listeners):
    settings.CAMERA_ALLOWED_HOSTS = ["127.0.0.1"]
    said = []
    for port in listeners:
        camera = Camera(name="probe", kind="rtsp", url=f"rtsp://127.0.0.1:{port}/x")
        with pytest.raises(streams.StreamError) as failure:
            next(streams.frames(camera, timeout=5, stop=lambda: False))
        said.append(failure.value.message)
    assert said == [texts.NO_STREAM, texts.NO_STREAM]


def test_a_line_feed_in_a_logged_value_cannot_forge_a_log_line():
    record = logging.LogRecord(
        "portal.cameras.runner",
        logging.WARNING,
        __file__,
        1,
        "camera %s (%s): %s",
        (1, "Lobby\r\nINFO forged", "x"),
        None,
    )
    line = SafeFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and "\r" not in line
    assert line == "WARNING camera 1 (Lobby\\r\\nINFO forged): x"


def test_a_camera_password_is_stored_encrypted_and_read_back_in_clear(settings):
    from cryptography.fernet import Fernet
    from django.db import connection

    camera = Camera.objects.create(name="Gate", kind="rtsp", url="rtsp://10.0.0.5/s", username="op", password="s3cret")
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM cameras_camera WHERE id = %s", [camera.pk])
        (stored,) = cursor.fetchone()
    assert "s3cret" not in stored and stored.startswith("fernet:")
    assert Camera.objects.get(pk=camera.pk).password == "s3cret"
    assert "s3cret@" in Camera.objects.get(pk=camera.pk).stream_url()
    # under another key the stored value gives nothing away, and nothing to open the stream with
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert Camera.objects.get(pk=camera.pk).password == ""


def test_the_migration_encrypts_passwords_stored_in_clear():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    camera = Camera.objects.create(name="Gate", kind="rtsp", url="rtsp://10.0.0.5/s")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cameras_camera SET password = %s WHERE id = %s", ["in-clear", camera.pk])
    assert Camera.objects.get(pk=camera.pk).password == "in-clear"  # read as it is until encrypted
    executor = MigrationExecutor(connection)
    # 0003_camera_password_encrypted's data migration, squashed with the others since
    squashed = "0001_initial_squashed_0005_camera_address_test_and_retries"
    migration = importlib.import_module(f"portal.cameras.migrations.{squashed}")
    migration.encrypt_stored_passwords(executor.loader.project_state(("cameras", squashed)).apps, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM cameras_camera WHERE id = %s", [camera.pk])
        assert cursor.fetchone()[0].startswith("fernet:")
    assert Camera.objects.get(pk=camera.pk).password == "in-clear"
