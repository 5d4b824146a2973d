"""What the runner does with an analysed frame: faces -> tracker -> one decision per finished track.

Runs in the runner process only (it loads dlib, like a worker): the frame
analysis, the tracker and the track decision are recognition.tracking's,
the same code a video upload goes through.
"""

import io
import logging
import threading

import numpy as np
from django.conf import settings
from PIL import Image

from portal.cameras import services
from recognition import engine, gallery, processing, tracking

log = logging.getLogger(__name__)
# One frame analysed at a time in a process: dlib's detector is one shared object that is not safe
# for two threads at once (seen here: faces of one camera's frame reported for another's). The GIL
# serialises most of the work anyway; this lock makes it correct.
_engine_lock = threading.Lock()


def warm_up():
    """Load the detector and the encoding network before the first camera's first frame.

    The first encoding builds the network's session (a second or more): paid
    during a person's pass, it would stall the tracker long enough to split
    the pass into two tracks.
    """
    known = gallery.current()
    options = processing.detect_options(known.encoding_version or None)
    blank = Image.new("RGB", (160, 160), (128, 128, 128))
    engine.detect(blank, options)
    engine.encode_many([(blank, [(5, 155, 155, 5)])], options)


class TrackAnalysis:
    """One camera's tracker, and the full frame of each open track's best face (the event's picture)."""

    def __init__(self, camera, health):
        self.camera = camera
        self.health = health
        self.tracker = tracking.Tracker(max_gap=settings.CAMERA_TRACK_GAP_SECONDS)
        self.best_frames = {}  # track id -> (best face, its full RGB frame)

    def __call__(self, rgb, t):
        known = gallery.current()
        with _engine_lock:
            faces = tracking.faces_in_frame(
                engine,
                rgb,
                scale=settings.CAMERA_DETECT_SCALE,
                min_face=self.camera.min_face,
                region=tuple(self.camera.region) if self.camera.region else None,
                options=processing.detect_options(known.encoding_version or None),
                t=t,
            )
        with self.health.lock:
            self.health.analysed += 1
            self.health.faces += len(faces)
            self.health.picture = rgb
        finished = self.tracker.update(t, faces)
        self._keep_best_frames(faces, rgb)
        self._decide(finished)
        self._forget_ended()

    def idle(self, t):
        """No new frame: let tracks that are no longer seen end (t=inf: every track ends)."""
        finished = self.tracker.finish() if t == float("inf") else self.tracker.update(t, [])
        self._decide(finished)
        self._forget_ended()

    def _keep_best_frames(self, faces, rgb):
        seen = {id(face) for face in faces}
        for track in self.tracker.active:
            best = track.best
            if best is not None and id(best) in seen:
                kept = self.best_frames.get(track.id)
                if kept is None or kept[0] is not best:
                    self.best_frames[track.id] = (best, rgb)

    def _forget_ended(self):
        # a track handed out early (confident) ends without being handed out again
        live = {track.id for track in self.tracker.active}
        for track_id in set(self.best_frames) - live:
            del self.best_frames[track_id]

    def _decide(self, tracks):
        for track in tracks:
            best, frame = self.best_frames.pop(track.id, (track.best, None))
            if track.frames < settings.CAMERA_TRACK_MIN_FRAMES:
                log.info(
                    "camera %s: track %s seen in %d frame(s) only: not decided", self.camera.pk, track.id, track.frames
                )
                continue
            try:
                self._record(track, best, frame)
            except Exception:
                # one track that cannot be recorded (a database hiccup) must not stop the camera
                log.exception("camera %s: track %s could not be recorded", self.camera.pk, track.id)

    def _record(self, track, best, frame):
        known = gallery.current()
        rule = processing.decision_rule(known.encoding_version or None)
        match = tracking.decide_track(known, track, rule)
        person_id = match.person_id if match.accepted else None
        mean, _, _ = track.combined()
        capture = services.camera_track_record(
            camera=self.camera,
            person_id=person_id,
            distance=match.distance,
            first_seen=track.first_seen,
            frame_jpeg=_jpeg(frame) if frame is not None else best.picture,
            box=best.box,
            frames=track.frames,
            unknown_face=None if person_id else np.asarray(mean, dtype=np.float32).tobytes(),
            face_picture=best.picture,
            face_quality=best.quality,
        )
        log.info(
            "camera %s: track %s (%d frames, %.1f s) -> %s, capture %s",
            self.camera.pk, track.id, track.frames, track.last_seen - track.first_seen,
            person_id or "unknown", capture.pk,
        )  # fmt: skip


def _jpeg(rgb):
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=85)
    return out.getvalue()
