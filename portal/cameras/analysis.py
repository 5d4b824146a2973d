"""What the runner does with an analysed frame: faces -> tracker -> one decision per finished track.

Runs in the runner process only (it loads dlib, like a worker): the frame
analysis, the tracker and the track decision are recognition.tracking's,
the same code a video upload goes through.
"""

import io
import logging

import numpy as np
from django.conf import settings
from PIL import Image

from portal.cameras import services
from recognition import engine, gallery, processing, tracking

log = logging.getLogger(__name__)


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
        # a track seen in this many frames is decided at once (a person is recorded while still
        # passing); one not recognized then is decided again, from its best faces, when it ends
        early = settings.CAMERA_DECIDE_AFTER_FRAMES or None
        self.tracker = tracking.Tracker(max_gap=settings.CAMERA_TRACK_GAP_SECONDS, confident_after=early)
        self.best_frames = {}  # track id -> (best face, its full RGB frame)
        self.waiting = {}  # track id -> track decided early as a stranger: decided again when it ends

    def __call__(self, rgb, t):
        known = gallery.current()
        # cameras analyse in threads of one process: the engine itself keeps dlib's shared
        # models to one thread at a time (encoders.DLIB_LOCK), ONNX Runtime runs them side by side
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
        handed_out = self.tracker.update(t, faces)
        self._keep_best_frames(faces, rgb)
        self._decide(handed_out)

    def idle(self, t):
        """No new frame: let tracks that are no longer seen end (t=inf: every track ends)."""
        self._decide(self.tracker.finish() if t == float("inf") else self.tracker.update(t, []))

    def _keep_best_frames(self, faces, rgb):
        seen = {id(face) for face in faces}
        for track in self.tracker.active:
            best = track.best
            if best is not None and id(best) in seen:
                kept = self.best_frames.get(track.id)
                if kept is None or kept[0] is not best:
                    self.best_frames[track.id] = (best, rgb)

    def _decide(self, handed_out):
        live = {track.id for track in self.tracker.active}
        early = [track for track in handed_out if track.id in live]
        ended = [track for track in handed_out if track.id not in live]
        # tracks not recognized when decided early, and gone since: their final decision now
        ended += [self.waiting.pop(pk) for pk in list(self.waiting) if pk not in live]
        for track in early + ended:
            final = track.id not in live
            if final and track.frames < settings.CAMERA_TRACK_MIN_FRAMES:
                log.info(
                    "camera %s: track %s seen in %d frame(s) only: not decided", self.camera.pk, track.id, track.frames
                )
                self.best_frames.pop(track.id, None)
                continue
            try:
                self._record(track, final=final)
            except Exception:
                # one track that cannot be recorded (a database hiccup) must not stop the camera
                log.exception("camera %s: track %s could not be recorded", self.camera.pk, track.id)
        for track_id in set(self.best_frames) - live:
            del self.best_frames[track_id]

    def _record(self, track, *, final):
        known = gallery.current()
        rule = processing.decision_rule(known.encoding_version or None)
        match = tracking.decide_track(known, track, rule)
        person_id = match.person_id if match.accepted else None
        if person_id is None and not final:
            self.waiting[track.id] = track  # not recognized yet: more frames may tell
            return
        best, frame = self.best_frames.get(track.id, (track.best, None))
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
            "camera %s: track %s (%d frames, %.1f s%s) -> %s, capture %s",
            self.camera.pk, track.id, track.frames, track.last_seen - track.first_seen,
            "" if final else ", decided early", person_id or "unknown", capture.pk,
        )  # fmt: skip


def _jpeg(rgb):
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=85)
    return out.getvalue()
