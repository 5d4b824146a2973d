"""The stream runner (`manage.py cameras run`): reads the cameras it holds, tracks faces, decides each track once.

One process holds some cameras through leases in the database
(services.camera_leases_claim) and, for each, runs two threads:

- a reader that decodes every frame of the stream (H.264 cannot skip frames)
  and keeps only the latest, reconnecting with backoff when the stream drops;
- an analyser that takes the latest frame at the camera's analysed rate,
  finds and encodes its faces (recognition.tracking.faces_in_frame), follows
  them with a Tracker and, when a track ends, decides it once against the
  gallery and records it (services.camera_track_record).

Frames never leave the process: no broker, no image through Celery. The
gallery is loaded and kept fresh the way a worker does (gallery.current(),
one version check per decision). The main thread renews the leases, takes
free cameras, writes health and notices changed or disabled cameras.

When analysis is slower than the stream, the analyser simply gets a newer
frame each time (frames in between are dropped): analysed/s then shows it is
behind, and a stream never backs up. The cameras of a runner take turns for
the CPU in the order they asked (Turns): when it is short, every camera gets
fewer analysed frames, none is starved, and the health says so (warning).
"""

import io
import logging
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from PIL import Image

from portal.cameras import services, streams, texts
from portal.cameras.models import Camera
from portal.cameras.pictures import camera_picture_write
from portal.core.logs import log_safe

log = logging.getLogger(__name__)

THUMB_WIDTH = 320
# the fields whose change restarts a camera's threads
CONFIG_FIELDS = ("kind", "url", "username", "password", "snapshot_seconds", "analyse_fps", "min_face", "region")


def holder_name():
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Health:
    """What the threads of one camera observed, written to the database by the main thread."""

    connected: bool = False
    connected_since: object = None
    reconnects: int = 0
    # the attempts that failed since the stream last read, and since when: "retrying" in words
    failed_attempts: int = 0
    failing_since: object = None
    last_error: str = ""
    last_error_at: object = None
    frames: int = 0
    analysed: int = 0
    faces: int = 0
    picture: object = None  # the latest analysed frame (numpy RGB), for the thumbnail
    last_face_at: float = None  # when (time.time()) a face was last found
    moved_at: float = None  # when the picture last moved (a person, a door; not a still corridor)
    reading_since: float = None  # when frames started to come in, this time
    lock: threading.Lock = field(default_factory=threading.Lock)


class Turns:
    """The runner's analysis slots (as many as its CPUs), given to its cameras in the order they asked.

    Each analysed frame takes a turn and goes back to the end of the line: when the CPU is short,
    every camera's analysed rate drops by the same share instead of one camera (the one whose
    thread the scheduler happens to favour) taking it all.
    """

    def __init__(self, slots=None):
        self.slots = slots or len(os.sched_getaffinity(0))
        self._cond = threading.Condition()
        self._next = 0  # the next ticket to give
        self._serving = 0  # the next ticket to let in
        self._busy = 0

    @contextmanager
    def turn(self):
        with self._cond:
            ticket = self._next
            self._next += 1
            self._cond.wait_for(lambda: ticket == self._serving and self._busy < self.slots)
            self._serving += 1
            self._busy += 1
            self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()


class Latest:
    """The newest frame of a stream: the reader replaces it, the analyser takes it."""

    def __init__(self):
        self._cond = threading.Condition()
        self._frame = None
        self._seq = 0

    def put(self, frame, at):
        with self._cond:
            self._frame, self._seq = (frame, at), self._seq + 1
            self._cond.notify_all()

    def take(self, after, timeout):
        """(seq, frame, at) of a frame newer than `after`, or None after `timeout` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._seq > after, timeout=timeout):
                return None
            return (self._seq, *self._frame)


class Watch:
    """One camera in this runner: its reader and analyser threads."""

    def __init__(self, camera, analyse, turns=None):
        self.camera = camera
        self.turns = turns or Turns()
        self.config = config_of(camera)
        self.health = Health()
        self.latest = Latest()
        self.stopping = threading.Event()
        self._analyse = analyse  # analyser(camera, health) -> callable(rgb, t) and .idle(t)
        self.threads = [
            threading.Thread(target=self._read, name=f"camera-{camera.pk}-read", daemon=True),
            threading.Thread(target=self._analyser, name=f"camera-{camera.pk}-analyse", daemon=True),
        ]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self, wait=5.0):
        self.stopping.set()
        for thread in self.threads:
            thread.join(wait)

    def _read(self):
        delay = 1.0
        timeout = settings.CAMERA_TIMEOUT_SECONDS
        while not self.stopping.is_set():
            try:
                framed = False
                for frame, at in streams.frames(self.camera, timeout=timeout, stop=self.stopping.is_set):
                    framed = True
                    if not self.health.connected:
                        self._connected()
                        delay = 1.0  # a stream that gave a frame starts its backoff again
                    with self.health.lock:
                        self.health.frames += 1
                    self.latest.put(frame, at)
                if self.stopping.is_set():
                    break
                # a stream that gave frames ended; one that gave none is no stream (whatever answered)
                self._failed(texts.ENDED if framed else texts.NO_STREAM, "ended" if framed else "ended at once")
            except streams.StreamError as exc:
                self._failed(exc.message, exc.detail)
            except Exception:  # noqa: BLE001 - a camera's thread must never take the runner down
                log.exception("camera %s: reader failed", self.camera.pk)
                self._failed(texts.READER_FAILED)
            # reconnect with backoff: 1 s, 2 s, 4 s, ... up to CAMERA_RECONNECT_MAX_SECONDS
            self.stopping.wait(delay)
            delay = min(delay * 2, settings.CAMERA_RECONNECT_MAX_SECONDS)

    def _connected(self):
        with self.health.lock:
            if self.health.connected_since is not None:
                self.health.reconnects += 1
            self.health.connected = True
            self.health.connected_since = timezone.now()
            self.health.failed_attempts, self.health.failing_since = 0, None
            self.health.reading_since = time.time()
        log.info(
            "camera %s (%s): connected to %s",
            self.camera.pk,
            log_safe(self.camera.name),
            log_safe(self.camera.safe_url),
        )

    def _failed(self, message, detail=""):
        with self.health.lock:
            self.health.connected = False
            self.health.last_error = message  # a Message; the column cuts what is too long
            self.health.last_error_at = timezone.now()
            self.health.failed_attempts += 1
            self.health.failing_since = self.health.failing_since or self.health.last_error_at
        log.warning(
            "camera %s (%s, %s): %s%s",
            self.camera.pk,
            log_safe(self.camera.name),
            log_safe(self.camera.safe_url),
            message,
            f" ({log_safe(detail)})" if detail else "",
        )

    def _analyser(self):
        analyse = self._analyse(self.camera, self.health)
        interval = 1.0 / max(0.1, self.camera.analyse_fps)
        seq = 0
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                try:
                    # a database that restarted: a fresh connection rather than errors from now on
                    close_old_connections()
                    got = self.latest.take(seq, timeout=interval)
                    if got is None:
                        analyse.idle(time.time())  # nothing new: tracks still end on time
                        continue
                    seq, frame, at = got
                    with self.turns.turn():
                        analyse(frame(), at)
                except Exception:  # noqa: BLE001 - one bad frame or a database hiccup must not stop the camera
                    log.exception("camera %s: analysis failed", self.camera.pk)
                    self._analysis_failed()
                    self.stopping.wait(1.0)
                    continue
                self.stopping.wait(max(0.0, interval - (time.monotonic() - started)))
            analyse.idle(float("inf"))  # stopping: decide the tracks still open
        except Exception:  # noqa: BLE001
            log.exception("camera %s: analysis failed while stopping", self.camera.pk)
        finally:
            connection.close()

    def _analysis_failed(self):
        with self.health.lock:
            self.health.last_error = texts.ANALYSIS_FAILED
            self.health.last_error_at = timezone.now()


def config_of(camera):
    return tuple(getattr(camera, name) for name in CONFIG_FIELDS)


class Runner:
    """Holds cameras through leases and runs a Watch for each."""

    def __init__(self, *, analyser, holder=None, limit=None, lease_seconds=None, health_seconds=None):
        self.analyser = analyser
        self.holder = holder or holder_name()
        self.limit = limit
        self.lease_seconds = lease_seconds or settings.CAMERA_LEASE_SECONDS
        self.health_seconds = health_seconds or settings.CAMERA_HEALTH_SECONDS
        self.term = self.lease_seconds * 2 / 3  # how long each renewal holds (see run)
        self.watches = {}
        self.stopping = threading.Event()
        self._counts = {}
        self.turns = Turns()
        self._warnings = {}
        self._looks = {}  # camera -> (brightness, sharpness) of its latest picture

    def run(self, until=None):
        """Until stop() (or `until`, a monotonic time): claim, renew, write health."""
        log.info("camera runner %s: started (lease %s s)", self.holder, self.lease_seconds)
        # renewals and looks for free cameras every quarter of the lease, which runs out two thirds of
        # it after the last renewal: a dead runner's cameras are taken within CAMERA_LEASE_SECONDS, and a
        # live one has five twelfths of it to spare for a slow moment before it would lose them
        renew_every = self.lease_seconds / 4
        next_renew = 0.0
        try:
            while not self.stopping.is_set() and (until is None or time.monotonic() < until):
                close_old_connections()
                now = time.monotonic()
                try:
                    if now >= next_renew:
                        self._leases()
                        next_renew = now + renew_every
                    self._health()
                except DatabaseError:
                    # the database is away: keep reading; if it stays away longer than the lease,
                    # another runner may take the cameras and this one lets them go at its next renewal
                    log.exception("camera runner %s: database unavailable; trying again", self.holder)
                self.stopping.wait(min(self.health_seconds, renew_every))
        finally:
            self.shutdown()

    def stop(self):
        self.stopping.set()

    def shutdown(self):
        for pk in list(self.watches):
            self._drop(pk, release=True)
        connection.close()
        log.info("camera runner %s: stopped", self.holder)

    def _leases(self):
        kept = services.camera_leases_renew(holder=self.holder, ids=list(self.watches), lease_seconds=self.term)
        for pk in set(self.watches) - kept:
            log.warning("camera %s: lease lost or camera disabled; letting it go", pk)
            self._drop(pk, release=False)
        held = services.camera_leases_claim(holder=self.holder, lease_seconds=self.term, limit=self.limit)
        cameras = Camera.objects.select_related("door").in_bulk(held)
        for pk, camera in cameras.items():
            watch = self.watches.get(pk)
            if watch is not None and watch.config != config_of(camera):
                log.info("camera %s: settings changed; reopening", pk)
                self._drop(pk, release=False)
                watch = None
            if watch is None:
                watch = Watch(camera, self.analyser, self.turns)
                self.watches[pk] = watch
                self._counts[pk] = (time.monotonic(), 0, 0, 0)
                watch.start()
            else:
                # what a decided track causes changes without reopening the stream
                watch.camera.purpose, watch.camera.door = camera.purpose, camera.door

    def _drop(self, pk, *, release):
        watch = self.watches.pop(pk, None)
        if watch is not None:
            watch.stop()
        self._counts.pop(pk, None)
        self._warnings.pop(pk, None)
        if release:
            services.camera_lease_release(holder=self.holder, camera_id=pk)

    def _health(self):
        for pk, watch in list(self.watches.items()):
            health = watch.health
            with health.lock:
                counts = (health.frames, health.analysed, health.faces)
                fields = {
                    "connected": health.connected,
                    "connected_since": health.connected_since,
                    "reconnects": health.reconnects,
                    "failed_attempts": health.failed_attempts,
                    "failing_since": health.failing_since,
                    "last_error": health.last_error,
                    "last_error_at": health.last_error_at,
                }
                picture, health.picture = health.picture, None
                seen = (health.reading_since, health.last_face_at, health.moved_at)
            since, *before = self._counts[pk]
            now = time.monotonic()
            elapsed = max(1e-3, now - since)
            fields["frames_per_second"] = round((counts[0] - before[0]) / elapsed, 2)
            fields["analysed_per_second"] = round((counts[1] - before[1]) / elapsed, 2)
            fields["faces_per_minute"] = round((counts[2] - before[2]) * 60 / elapsed, 1)
            self._counts[pk] = (now, *counts)
            if picture is not None:
                camera_picture_write(pk, thumbnail(picture))
                fields["last_picture_at"] = timezone.now()
                self._looks[pk] = looks(picture)
            fields["warning"] = self._warning(watch, fields, seen)
            if not services.camera_health_write(holder=self.holder, camera_id=pk, **fields):
                log.warning("camera %s: held by another runner now; letting it go", pk)
                self._drop(pk, release=False)

    def _warning(self, watch, fields, seen):
        """What the health should say is wrong though the stream reads (texts), or ""."""
        reading_since, last_face_at, moved_at = seen
        warning = ""
        if fields["connected"] and reading_since is not None:
            now = time.time()
            reading = now - reading_since
            rate, asked = fields["analysed_per_second"], watch.camera.analyse_fps
            # rates count after a first few seconds of reading: a stream starting up is not slow
            settled = reading > max(10.0, 3 * self.health_seconds)
            without_face = now - max(reading_since, last_face_at or 0.0)
            minutes = settings.CAMERA_NO_FACE_MINUTES
            if settled and rate < min(settings.CAMERA_MIN_ANALYSED_FPS, asked):
                warning = texts.TOO_SLOW % {"rate": f"{rate:g}", "minimum": f"{settings.CAMERA_MIN_ANALYSED_FPS:g}"}
            elif without_face > minutes * 60:
                warning = self._no_faces(watch, f"{minutes:g}", moved_at, now - minutes * 60)
            elif settled and rate < 0.9 * asked:
                warning = texts.SHEDDING % {"rate": f"{rate:g}", "asked": f"{asked:g}", "cameras": len(self.watches)}
        if warning != self._warnings.get(watch.camera.pk, ""):
            if warning:
                log.warning("camera %s (%s): %s", watch.camera.pk, watch.camera.name, warning)
            self._warnings[watch.camera.pk] = warning
        return warning

    def _no_faces(self, watch, minutes, moved_at, window_start):
        brightness, sharpness = self._looks.get(watch.camera.pk, (None, None))
        if brightness is not None and brightness < DARK:
            return texts.NO_FACES_DARK % {"minutes": minutes, "level": round(brightness)}
        if sharpness is not None and sharpness < BLURRED:
            return texts.NO_FACES_BLURRED % {"minutes": minutes, "sharpness": round(sharpness, 1)}
        if moved_at is None or moved_at < window_start:
            return texts.NO_FACES_STILL % {"minutes": minutes}
        return texts.NO_FACES_SMALL % {"minutes": minutes, "min_face": watch.camera.min_face}


# a picture darker than this (mean grey level) or less sharp (variance of the Laplacian of a
# 160 px wide grey copy) hides faces from the detector: the likely cause of finding none
DARK = 35
BLURRED = 20.0


def looks(rgb):
    """(brightness 0-255, sharpness) of a frame, on a small grey copy."""
    image = Image.fromarray(rgb).convert("L")
    image.thumbnail((160, 160))
    grey = np.asarray(image, dtype=np.float32)
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return float(grey.mean()), 0.0
    laplacian = grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1] - 4 * grey[1:-1, 1:-1]
    return float(grey.mean()), float(laplacian.var())


def thumbnail(rgb):
    image = Image.fromarray(rgb)
    image.thumbnail((THUMB_WIDTH, THUMB_WIDTH))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=75)
    return out.getvalue()
