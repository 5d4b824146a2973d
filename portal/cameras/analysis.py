"""What the runner does with an analysed frame: faces -> tracker -> one decision per finished track.

Runs in the runner process only (it loads dlib, like a worker): the frame
analysis, the tracker and the track decision are recognition.tracking's,
the same code a video upload goes through.
"""

import io
import logging
import time

import numpy as np
from django.conf import settings
from PIL import Image

from portal.cameras import services
from portal.core import jobs
from recognition import decision, engine, gallery, liveness, processing, tracking, versions

log = logging.getLogger(__name__)

# a decided pass whose record failed on a transient database error is recorded again, this many times in all
RECORD_ATTEMPTS = 3


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
    """One camera's faces, tracker and passes, and the full frame of each open track's best face.

    One pass of a person is decided once, whatever the analysis rate (recognition.tracking.Passes):
    at the first confidently recognized frame, or from the pass's best faces when its pieces end;
    a stranger only when no piece of the pass was recognized.
    """

    # a door's liveness check over a track's frames: gate(track) -> bool, asked before a pass is
    # decided early (None: no check). Set by whoever provides the check; the runner calls it.
    gate = None

    def __init__(self, camera, health):
        self.camera = camera
        self.health = health
        self.finder = tracking.FaceFinder(
            engine,
            min_face=camera.min_face,
            floor=settings.CAMERA_DETECT_SCALE,
            region=tuple(camera.region) if camera.region else None,
        )
        self.tracker = tracking.Tracker(
            max_gap=settings.CAMERA_TRACK_GAP_SECONDS,
            gap_frames=settings.CAMERA_TRACK_GAP_FRAMES,
            pass_window=settings.CAMERA_PASS_SECONDS,
            version=versions.active(),
        )
        self.passes = tracking.Passes(
            self.tracker,
            margin=settings.CAMERA_CONFIDENT_MARGIN,
            decide_after=settings.CAMERA_DECIDE_AFTER_FRAMES,
            min_frames=settings.CAMERA_TRACK_MIN_FRAMES,
            gate=self._gate,
            log=lambda message, *args: log.info("camera %s: " + message, camera.pk, *args),
        )
        self.best_frames = {}  # track id -> (best face, its full RGB frame)
        # a door's camera decides access only for faces, not pictures of one (the door's liveness)
        if self.liveness_needed:
            self.finder.landmarks = True
            self.gate = lambda track: liveness.check_track(track.points).live

    def __call__(self, rgb, t):
        known = gallery.current()
        version = known.encoding_version or None
        # cameras analyse in threads of one process: the engine itself keeps dlib's shared
        # models to one thread at a time (encoders.DLIB_LOCK), ONNX Runtime runs them side by side
        hints = [track.box for track in self.tracker.active]
        faces = self.finder(rgb, t, hints=hints, options=processing.detect_options(version))
        with self.health.lock:
            self.health.analysed += 1
            self.health.faces += len(faces)
            self.health.picture = rgb
            if faces:
                self.health.last_face_at = t
            if self.finder.moved:
                self.health.moved_at = t
        decided = self.passes.update(t, faces, known, processing.decision_rule(version))
        self._keep_best_frames(faces, rgb)
        self._record_all(decided)

    @property
    def liveness_needed(self):
        """A door's camera checks that a track is a face, not a picture (the door's liveness level)."""
        camera = self.camera
        return camera.purpose == camera.Purpose.DOOR and camera.door is not None and camera.door.liveness != "off"

    def idle(self, t):
        """No new frame: let tracks that are no longer seen end (t=inf: every track ends)."""
        known = gallery.current()
        rule = processing.decision_rule(known.encoding_version or None)
        if t == float("inf"):
            decided = self.passes.finish(known, rule)
        else:
            decided = self.passes.update(t, [], known, rule, analysed=False)
        self._record_all(decided)

    def _gate(self, track):
        return True if self.gate is None else bool(self.gate(track))

    def _keep_best_frames(self, faces, rgb):
        seen = {id(face) for face in faces}
        for track in self.tracker.active:
            best = track.best
            if best is not None and id(best) in seen:
                kept = self.best_frames.get(track.id)
                if kept is None or kept[0] is not best:
                    self.best_frames[track.id] = (best, rgb)

    def _record_all(self, decided):
        for one in decided:
            for attempt in range(1, RECORD_ATTEMPTS + 1):
                try:
                    self._record(one)  # one transaction: a failed attempt left nothing to double
                    break
                except jobs.TRANSIENT:
                    if attempt == RECORD_ATTEMPTS:
                        log.exception("camera %s: pass %s could not be recorded", self.camera.pk, one.pass_id)
                    else:
                        log.warning(
                            "camera %s: pass %s not recorded yet (attempt %d), again",
                            self.camera.pk,
                            one.pass_id,
                            attempt,
                        )
                        time.sleep(0.2 * attempt)
                except Exception:
                    # one pass that cannot be recorded must not stop the camera
                    log.exception("camera %s: pass %s could not be recorded", self.camera.pk, one.pass_id)
                    break
        # a frame is kept while its track may still be part of a pass's decision
        keep = {track.id for track in self.tracker.active} | {track.id for track in self.tracker.recent}
        for track_id in set(self.best_frames) - keep:
            del self.best_frames[track_id]

    def _record(self, one):
        best = one.face
        kept = self.best_frames.get(one.track.id)
        frame = kept[1] if kept is not None and kept[0] is best else None
        mean, _, _ = decision.combine_frames([face.encoding for face in one.track.faces])
        # decided early only past the gate; decided when the pass ended, the test is made here:
        # a picture is refused (not_live), whoever it shows
        verdict = liveness.check_track(one.track.points) if self.liveness_needed else None
        capture = services.camera_track_record(
            camera=self.camera,
            person_id=one.person_id,
            distance=one.match.distance,
            first_seen=one.first_seen,
            frame_jpeg=_jpeg(frame) if frame is not None else best.picture,
            box=best.box,
            frames=one.frames,
            unknown_face=None if one.person_id else np.asarray(mean, dtype=np.float32).tobytes(),
            face_picture=best.picture,
            face_quality=best.quality,
            live=None if verdict is None else verdict.live,
        )
        log.info(
            "camera %s: pass %s (%d frames%s) -> %s, capture %s%s",
            self.camera.pk, one.pass_id, one.frames, ", decided early" if one.early else "",
            one.person_id or "unknown", capture.pk,
            "" if verdict is None else f", liveness {verdict.reason} (parallax {verdict.parallax})",
        )  # fmt: skip


def _jpeg(rgb):
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=85)
    return out.getvalue()
