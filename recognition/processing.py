"""The worker side of recognition: encode enrollment photos, process captures.

Called by the Celery tasks (and by the management commands directly); each
function takes a claimed row and writes its outcome on it.
"""

import logging
import math
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import cast

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from PIL import Image

from portal.core import wakeups
from portal.people.models import Person
from recognition import burst, decision, engine, gallery, imaging, liveness, quality, texts, tracking, versions, video
from recognition.models import Capture, FacePhoto, GalleryVersion, VideoFace, VideoJob
from recognition.results import CaptureResult, FaceResult, LivenessReport
from recognition.services import photo_thumbnails_make, upload_limits
from recognition.sightings import Sighting, sighting_hand_over

log = logging.getLogger(__name__)


def decision_rule(version: str | None = None) -> decision.CalibratedRule:
    """The rule for an encoding version (default: the active one): thresholds belong to a version."""
    return versions.match_rule(version)


def annotated_jpeg(image: Image.Image, labels: list[tuple[tuple, str, bool]]) -> bytes:
    """The result picture, names drawn with the portal's font (every script)."""
    return imaging.annotate(
        image,
        labels,
        font_path=settings.PORTAL_FONT_PATH,
        font_index=settings.PORTAL_FONT_INDEX,
        fallback_path=settings.PORTAL_FALLBACK_FONT_PATH,
    )


def detect_options(version: str | None = None) -> engine.DetectOptions:
    """version: the encoding version (default: the one the gallery searches now)."""
    # the encoder is chosen at the first face work, not at import: importing this module
    # (tests, commands that never detect) must not generate or load an ONNX graph
    versions.encoder_start()
    return engine.DetectOptions(
        max_side=settings.FACE_DETECT_MAX_SIDE, version=version or versions.active(), detector=settings.FACE_DETECTOR
    )


def read_image(field: FieldFile) -> Image.Image:
    with field.open("rb") as handle:
        return imaging.decode(handle.read(), upload_limits())


def read_faces(field: FieldFile, options: engine.DetectOptions | None = None) -> tuple[Image.Image, list[engine.Face]]:
    """Open a stored image and find its faces: (image, faces)."""
    with field.open("rb") as handle:
        data = handle.read()
    return engine.faces_in_bytes(data, upload_limits(), options or detect_options())


def quality_thresholds() -> quality.Thresholds:
    return quality.Thresholds(
        min_face_px=settings.ENROLL_MIN_FACE_PX,
        min_sharpness=settings.ENROLL_MIN_SHARPNESS,
        min_brightness=settings.ENROLL_MIN_BRIGHTNESS,
        max_brightness=settings.ENROLL_MAX_BRIGHTNESS,
    )


def face_photo_encode(*, photo: FacePhoto) -> FacePhoto:
    """Turn an enrollment photo into a template, or reject it with a reason (see face_photos_encode)."""
    return face_photos_encode(photos=[photo])[0]


def face_photos_encode(*, photos: list[FacePhoto]) -> list[FacePhoto]:
    """Turn claimed enrollment photos into templates, or reject each with a reason.

    Checks, in order: readable, one face (or one clearly dominant face, see
    quality.dominant_face), the face's quality, not a near-copy of a photo the
    person already has, and not the face of another enrolled person (then it
    waits for an admin's decision in REVIEW instead of joining the gallery).
    The faces that pass the first checks go through the network as one batch;
    the last two checks run photo by photo, so each sees the ones before it.
    """
    wanted = versions.to_encode()
    options = detect_options(wanted[0])
    ready = []
    for photo in photos:
        found = _photo_face(photo, options)
        if found:
            ready.append((photo, *found))
    items = [(image, [box]) for _, image, box in ready]
    encodings = engine.encode_many(items, options)
    # while the portal moves to another encoding version, new photos get both
    later = wanted[1] if len(wanted) > 1 else ""
    next_encodings = engine.encode_many(items, detect_options(later)) if later else [[None]] * len(items)
    for (photo, _, _), (encoding,), (next_encoding,) in zip(ready, encodings, next_encodings, strict=True):
        _photo_keep(photo, encoding, wanted[0], next_encoding, later)
    return photos


def _photo_face(photo, options):
    """(image, box) of the photo's one usable face, or None once the photo is rejected with the reason."""
    try:
        with photo.image.open("rb") as handle:
            image = imaging.decode(handle.read(), upload_limits())
    except imaging.ImageRejected as exc:
        return _refuse(photo, "unreadable", exc.message)
    except FileNotFoundError:
        return _refuse(photo, "unreadable", texts.PHOTO_MISSING)
    photo.width, photo.height = image.size
    boxes = engine.detect(image, options)
    if not boxes:
        return _refuse(photo, "no_face", texts.NO_FACE)
    thresholds = quality_thresholds()
    main = quality.dominant_face(boxes, thresholds.dominant_ratio)
    if main is None:
        return _refuse(
            photo,
            "several_faces",
            texts.fill(texts.SEVERAL_FACES, count=len(boxes)),
        )
    box = boxes[main]
    photo.box = list(box)
    # the small thumbnail becomes the face now that it is found
    photo_thumbnails_make(photo=photo, image=image)
    problem = quality.face_problem(image, box, thresholds)
    if problem:
        return _refuse(photo, problem.code, problem.message)
    return image, box


def _photo_keep(photo, encoding, version, next_encoding, later):
    """The last checks on an encoded face, then the photo saved as accepted, for review, or rejected."""
    twin = _near_duplicate(photo, encoding, version)
    if twin:
        return _photo_reject(
            photo,
            "near_duplicate",
            texts.fill(texts.NEAR_DUPLICATE, twin=twin),
        )
    lookalike, distance = _lookalike(photo.person_id, encoding)
    if later:
        photo.next_encoding, photo.next_model_name = next_encoding.astype("float32").tobytes(), later
    with transaction.atomic():
        photo.encoding = encoding.astype("float32").tobytes()
        photo.model_name = version
        if later and GalleryVersion.objects.select_for_update().filter(pk=1, encoding_version=later).exists():
            # the gallery switched while this photo was encoded: the new version is the one searched
            photo.encoding, photo.model_name = photo.next_encoding, later
            photo.next_encoding, photo.next_model_name = None, ""
        photo.encoded_at = timezone.now()
        if lookalike is None:
            photo.status = FacePhoto.Status.ACCEPTED
            photo.reason = photo.reason_code = ""
        else:
            photo.status = FacePhoto.Status.REVIEW
            photo.reason_code = "lookalike"
            photo.reason = texts.fill(
                texts.LOOKALIKE, name=lookalike.name, employee_id=lookalike.employee_id, distance=f"{distance:.2f}"
            )[:300]
            photo.lookalike = lookalike
            photo.lookalike_distance = distance
        photo.save(
            update_fields=[
                "encoding",
                "box",
                "width",
                "height",
                "model_name",
                "status",
                "reason",
                "reason_code",
                "lookalike",
                "lookalike_distance",
                "encoded_at",
                "next_encoding",
                "next_model_name",
            ]
        )
        if photo.status == FacePhoto.Status.ACCEPTED:
            # the next search of every process (this one's too) reads this person's templates again
            GalleryVersion.bump(
                encoding_version=None if GalleryVersion.encoding_version_now() else version, people=[photo.person_id]
            )
    return photo


def _near_duplicate(photo, encoding, version):
    """The id of a photo of the same person this face is almost identical to."""
    near = settings.ENROLL_NEAR_DUPLICATE_DISTANCE
    near = decision.calibration(version).near_duplicate if near is None else near
    rows = (
        FacePhoto.objects.filter(
            person_id=photo.person_id, status__in=[FacePhoto.Status.ACCEPTED, FacePhoto.Status.REVIEW]
        )
        .exclude(pk=photo.pk)
        .exclude(encoding=None)
        .values_list("pk", "encoding")
    )
    for pk, other in rows:
        other = cast(bytes, other)  # never None: excluded above
        if np.linalg.norm(np.frombuffer(bytes(other), dtype=np.float32) - encoding) < near:
            return pk
    return None


def _lookalike(person_id, encoding):
    """(person, distance) when the decision rule would take this face for
    someone else enrolled; (None, None) otherwise."""
    # the same decision a capture gets, with this person left out
    match = decision.decide(gallery.current(), encoding, decision_rule(), exclude=person_id)
    if not match.accepted:
        return None, None
    return Person.objects.filter(pk=match.person_id).first(), match.distance


def _refuse(photo, code, reason):
    """Reject the photo; None: no face to encode."""
    _photo_reject(photo, code, reason)
    return None


def _photo_reject(photo, code, reason):
    photo.status = FacePhoto.Status.REJECTED
    photo.reason_code = code
    photo.reason = reason[:300]
    photo.encoded_at = timezone.now()
    photo.save(update_fields=["status", "reason", "reason_code", "box", "width", "height", "encoded_at"])
    return photo


def capture_process(*, capture: Capture) -> Capture:
    """Find, identify and record every face of a capture; draw the result."""
    known = gallery.current()
    # the probe in the gallery's own encoding version: one version per search
    options = detect_options(known.encoding_version or None)
    try:
        if _is_burst(capture):  # every frame's face through the network together, in _kiosk_faces
            image, faces = read_image(capture.image), None
        else:
            image, faces = read_faces(capture.image, options)
    except imaging.ImageRejected as exc:
        return _capture_fail(capture, exc.message)
    except FileNotFoundError:
        return _capture_fail(capture, texts.PICTURE_MISSING)
    version_rule = decision_rule(known.encoding_version or None)
    rule: decision.CalibratedRule | burst.FramesRule = version_rule
    live = None
    if _is_burst(capture):
        faces, live, spread = _kiosk_faces(capture, image, faces, options, known, version_rule)
        rule = burst.FramesRule(rule=version_rule, spread=spread)
    # What the router records and the capture's "done" commit together: a worker killed between
    # them would otherwise leave events that the redelivered task records a second time.
    with transaction.atomic():
        if not _still_ours(capture):
            return capture
        if live is not None and not live.live:
            return _capture_not_live(capture, image, live)
        if capture.claimed_person_id or capture.claimed_employee_id:
            return _verify(capture, image, faces, known, rule)
        return _identify(capture, image, faces, known, rule)


def _is_burst(capture: Capture) -> bool:
    """A kiosk's attempt or a phone's selfie: several frames of one person, looked at together."""
    return bool(capture.kiosk_id) or capture.source == Capture.Source.PHONE


def _still_ours(capture: Capture) -> bool:
    """Lock the capture's row; False when another delivery finished or took it meanwhile."""
    rows = Capture.objects.select_for_update().filter(pk=capture.pk, claimed_by=capture.claimed_by)
    return rows.exclude(status__in=(Capture.Status.DONE, Capture.Status.FAILED)).exists()


def _identify(capture, image, faces, known, rule):
    """1:N: every face named or left unknown, each person sighted once."""
    matches = [known.search(face.encoding, rule) for face in faces]
    people = Person.objects.in_bulk({m.person_id for m in matches if m.accepted})
    seen = set()
    results, labels = [], []
    for face, match in zip(faces, matches, strict=True):
        person = people.get(match.person_id)
        entry = FaceResult(
            box=list(face.box),
            person_id=person.pk if person else None,
            name=person.name if person else None,
            employee_id=person.employee_id if person else None,
            distance=None if match.distance is None else round(match.distance, 4),
            decision="match" if person else "unknown",
        )
        # one sighting per person per picture; every unknown face is one
        if person is None or person.pk not in seen:
            unknown = None if person else np.asarray(face.encoding, dtype=np.float32).tobytes()
            # the face itself for the review list of unknown faces (the router decides whether it goes there)
            picture = None if person else tracking.face_picture(image, face.box)
            sighting = _sighting(
                capture, person=person, distance=match.distance, unknown_face=unknown, face_picture=picture
            )
            entry.take(sighting_hand_over(sighting))
        if person:
            seen.add(person.pk)
        results.append(entry)
        labels.append((face.box, person.name if person else "Unknown", bool(person)))
    capture.annotated.save(f"annotated-{capture.pk}.jpg", ContentFile(annotated_jpeg(image, labels)), save=False)
    capture.result = CaptureResult(faces=results, gallery_size=len(known)).to_json()
    return _capture_finish(capture, Capture.Status.DONE, ["annotated", "result"])


def _verify(capture, image, faces, known, rule):
    """1:1: is the largest face the claimed person?

    The face must match the claimed person and nobody better; the result
    never names anyone else.
    """
    person = capture.claimed_person
    result = CaptureResult(verified=False, gallery_size=len(known))
    labels = []
    if not faces:
        result.reason = "no_face"
    elif person is None:
        # an ID nobody has: the face was found and encoded like any other, and
        # is refused the way a face that does not match is
        result.reason = "unknown_claim"
        face = max(faces, key=lambda f: f.width)
        refused = FaceResult(box=list(face.box), decision="refused")
        # at a door, a refused attempt like any other
        refused.take(sighting_hand_over(_sighting(capture, person=None, verify=True)))
        result.faces.append(refused)
        labels.append((face.box, texts.NOT_VERIFIED, False))
    elif not known.has_person(person.pk):
        result.reason = "not_enrolled"
    else:
        face = max(faces, key=lambda f: f.width)
        # the distance the rule judged: to the person's average face (with a burst's spread)
        own = decision.distance_to(known, face.encoding, person.pk, spread=getattr(rule, "spread", 0.0))
        match = known.search(face.encoding, rule)
        verified = match.accepted and match.person_id == person.pk
        result.verified = verified
        result.reason = "match" if verified else "no_match"
        checked = FaceResult(box=list(face.box), distance=round(own, 4), decision="verified" if verified else "refused")
        if verified:  # a refusal never names anyone
            checked.person_id, checked.name, checked.employee_id = person.pk, person.name, person.employee_id
        checked.take(
            sighting_hand_over(
                _sighting(capture, person=person if verified else None, distance=own, verify=True, claimed=person)
            )
        )
        result.faces.append(checked)
        result.distance = round(own, 4)
        labels.append((face.box, person.name if verified else texts.NOT_VERIFIED, verified))
    capture.annotated.save(f"annotated-{capture.pk}.jpg", ContentFile(annotated_jpeg(image, labels)), save=False)
    capture.result = result.to_json()
    return _capture_finish(capture, Capture.Status.DONE, ["annotated", "result"])


def _sighting(
    capture, *, person, distance=None, live=None, verify=False, claimed=None, unknown_face=None, face_picture=None
):
    return Sighting(
        at=capture.created_at,
        source=capture.source,
        person=person,
        distance=distance,
        capture=capture,
        kiosk_id=capture.kiosk_id,
        direction=capture.direction,
        record_attendance=capture.record_attendance,
        recorded_by=capture.submitted_by,
        photo_taken_at=capture.taken_at,
        live=live,
        verify=verify,
        claimed_person=claimed,
        unknown_face=unknown_face,
        face_picture=face_picture,
    )


def _kiosk_faces(capture, image, faces, options, known, rule):
    """A kiosk attempt shows one person: the largest face over all its frames, combined.

    At a door, a first frame recognized with room to spare decides alone (KIOSK_EARLY_DECISION): the
    person is waiting, and the further frames' detections and encodings were two thirds of the wait.
    The room is the cameras' (CAMERA_CONFIDENT_MARGIN), with which one camera frame opens a door too.
    """
    frames = _AttemptFrames(image, faces, list(capture.frames.all()))
    confident = None
    if settings.KIOSK_EARLY_DECISION and capture.kiosk_id and capture.kiosk.door_id:
        margin = settings.CAMERA_CONFIDENT_MARGIN * getattr(rule, "scale", 1.0)

        def confident(encoding):
            match = known.search(encoding, rule)
            return match.accepted and match.threshold is not None and match.distance <= match.threshold - margin

    live_rule = liveness.LivenessRule() if capture.require_liveness else None
    attempt = burst.analyse(
        frames, options=options, rule=live_rule, challenge=capture.liveness_challenge, confident=confident
    )
    return ([attempt.face] if attempt.face else []), attempt.liveness, attempt.spread


class _AttemptFrames(Sequence):
    """An attempt's frames as burst.analyse reads them, (image, faces or None), each further frame
    read and decoded only when looked at: a first frame that decides alone leaves the others
    undecoded (two JPEG decodings were a tenth of a door's wait)."""

    def __init__(self, image, faces, rows):
        self._first = (image, faces)
        self._rows = rows
        self._decoded = {}

    def __len__(self):
        return 1 + len(self._rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if index == 0:
            return self._first
        if index not in self._decoded:
            self._decoded[index] = self._decode(self._rows[index - 1])
        return self._decoded[index]

    @staticmethod
    def _decode(row):
        try:
            with row.image.open("rb") as handle:
                return imaging.decode(handle.read(), upload_limits()), None
        except (imaging.ImageRejected, FileNotFoundError):
            # checked on upload; a frame lost since then shows no face (nothing to look for)
            return None, []


def _capture_not_live(capture, image, live):
    """A still face (a photo held up): no identification, no attendance."""
    capture.annotated.save(f"annotated-{capture.pk}.jpg", ContentFile(annotated_jpeg(image, [])), save=False)
    result = CaptureResult(
        reason="not_live",
        liveness=LivenessReport(
            reason=live.reason,
            parallax=live.parallax,
            residual=live.residual,
            blink=live.blink,
            mouth=live.mouth,
            turn=live.turn,
            challenge=capture.liveness_challenge,
            frames=live.frames,
        ),
        outcome=sighting_hand_over(_sighting(capture, person=None, live=False, claimed=capture.claimed_person)),
    )
    capture.result = result.to_json()
    return _capture_finish(capture, Capture.Status.DONE, ["annotated", "result"])


def _capture_fail(capture: Capture, message: str) -> Capture:
    return _capture_finish(capture, Capture.Status.FAILED, [], error=message)


def _capture_finish(capture: Capture, status: str, fields: list[str], error: str = "") -> Capture:
    """Save the capture as finished and wake the request waiting for it (at the commit, inside a transaction)."""
    capture.status = status
    capture.error = error[:300]
    capture.finished_at = timezone.now()
    capture.save(update_fields=[*fields, "status", "error", "finished_at"])
    wakeups.wake(wakeups.channel(Capture, capture.pk))
    return capture


# --- videos ---------------------------------------------------------------------


def video_job_run(*, job: VideoJob) -> VideoJob:
    """Track every face through a claimed video, decide each track once, store who was seen when.

    A video is a test, like an upload without "record attendance": its
    sightings go to the router marked so, and cause nothing. The video file
    is deleted at the end (done or failed) unless the submitter kept it.
    """
    from portal.core.jobs import TRANSIENT

    try:
        _video_run(job)
    except TRANSIENT:
        raise  # retried: the file is still needed
    except Exception:  # broken, or over the time limit: failed by the task, the file goes now
        _video_drop(job)
        raise
    _video_drop(job)
    return job


def _video_run(job):
    known = gallery.current()
    version = known.encoding_version or None
    options, rule = detect_options(version), decision_rule(version)
    fps, limit = settings.VIDEO_ANALYSE_FPS, settings.VIDEO_MAX_SECONDS
    seconds = min(job.duration or limit, limit)
    VideoJob.objects.filter(pk=job.pk).update(total=max(1, math.ceil(seconds * fps)), done=0)
    longest = max(job.width, job.height) or settings.FACE_DETECT_MAX_SIDE
    scale = min(1.0, settings.FACE_DETECT_MAX_SIDE / longest)
    # a face hidden for a moment (turned away, behind someone) keeps its track for a few analysed frames
    tracker = tracking.Tracker(max_gap=max(1.0, 3.0 / fps), gap_frames=2, version=options.version)
    # faces down to VIDEO_MIN_FACE_PX: the frame at its detection size, areas that moved enlarged
    finder = tracking.FaceFinder(engine, min_face=settings.VIDEO_MIN_FACE_PX, scale=scale, options=options)
    ended, analysed, reported = [], 0, time.monotonic()
    try:
        with job.video.open("rb") as handle:
            kind = video.container_of(handle.read(16))
            if kind is None:
                raise video.VideoRejected("not_video", texts.VIDEO_NOT_VIDEO)
            for t, rgb in video.frames(handle, kind[0], fps=fps, max_seconds=limit):
                faces = finder(rgb, t, hints=[track.box for track in tracker.active])
                ended += tracker.update(t, faces, cut=finder.cut)
                analysed += 1
                if time.monotonic() - reported > 0.5:  # the progress bar, without a write per frame
                    VideoJob.objects.filter(pk=job.pk).update(done=analysed)
                    reported = time.monotonic()
    except video.VideoRejected as exc:
        return _video_fail(job, exc.message)
    except FileNotFoundError:
        return _video_fail(job, texts.VIDEO_MISSING)
    ended += tracker.finish()
    found = _video_faces(job, known, rule, ended)
    job.result = {
        "frames": analysed,
        "tracks": len(ended),
        "people": sum(1 for face in found if face.person_id),
        "strangers": sum(1 for face in found if not face.person_id),
        "analysed_fps": fps,
        "gallery_size": len(known),
    }
    job.status, job.done, job.error, job.finished_at = VideoJob.Status.DONE, analysed, "", timezone.now()
    job.save(update_fields=["result", "status", "done", "error", "finished_at"])
    return job


def _video_faces(job, known, rule, tracks):
    """One VideoFace per person found (all their tracks together) and per stranger (tracks of one face)."""
    decided = [(track, tracking.decide_track(known, track, rule)) for track in tracks if track.faces]
    people = Person.objects.in_bulk({match.person_id for _, match in decided if match.accepted})
    groups: dict[int | tuple[str, int], list] = {}  # person id, or ("stranger", n) -> [(track, match)]
    strangers: list[tuple[tuple[str, int], np.ndarray]] = []  # (key, combined encoding)
    for track, match in decided:
        person = people.get(match.person_id)
        encoding = track.combined()[0]
        sighting_hand_over(
            Sighting(
                at=job.created_at + timedelta(seconds=track.first_seen),
                source="video",
                person=person,
                distance=match.distance,
                record_attendance=False,  # a video is a test: never attendance, never the review list
                recorded_by=job.submitted_by,
                unknown_face=None if person else encoding.tobytes(),
                face_picture=None if person else track.best.picture,
                face_quality=None if person else track.best.quality,
            )
        )
        if person is not None:
            groups.setdefault(person.pk, []).append((track, match))
            continue
        # the same stranger passing twice is one stranger: the review list's grouping distance
        near = [(float(np.linalg.norm(enc - encoding)), key) for key, enc in strangers]
        near = [item for item in near if item[0] <= versions.review_group_distance()]
        stranger = min(near)[1] if near else ("stranger", len(strangers))
        if not near:
            strangers.append((stranger, encoding))
        groups.setdefault(stranger, []).append((track, match))
    rows = []
    for key, members in groups.items():
        best = max((track.best for track, _ in members), key=lambda face: face.quality)
        distances = [match.distance for _, match in members if match.distance is not None]
        rows.append(
            VideoFace(
                job=job,
                person=people.get(key) if not isinstance(key, tuple) else None,
                first_seen=round(min(track.first_seen for track, _ in members), 2),
                last_seen=round(max(track.last_seen for track, _ in members), 2),
                tracks=len(members),
                distance=round(min(distances), 4) if distances else None,
                picture=best.picture,
            )
        )
    VideoFace.objects.filter(job=job).delete()  # a rerun after a dead worker starts over
    return VideoFace.objects.bulk_create(rows)


def _video_fail(job: VideoJob, message: str) -> VideoJob:
    job.status, job.error, job.finished_at = VideoJob.Status.FAILED, message[:300], timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


def _video_drop(job: VideoJob) -> None:
    """The video is deleted once processed, unless kept; the results stay."""
    name, storage = job.video.name, job.video.storage
    if job.keep or not name:
        return
    VideoJob.objects.filter(pk=job.pk).update(video="")
    storage.delete(name)
