"""The worker side of recognition: encode enrollment photos, process captures.

Called by the Celery tasks (and by the management commands directly); each
function takes a claimed row and writes its outcome on it.
"""

import logging

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.attendance.services import attendance_event_record
from portal.people.models import Person
from recognition import burst, decision, engine, gallery, imaging, liveness, quality
from recognition.models import Capture, FacePhoto, GalleryVersion
from recognition.services import upload_limits

log = logging.getLogger(__name__)


def decision_rule():
    return decision.rule_for(mode=settings.FACE_MATCH_MODE, threshold=settings.FACE_MATCH_THRESHOLD)


def annotated_jpeg(image, labels):
    """The result picture, names drawn with the portal's font (every script)."""
    return imaging.annotate(image, labels, font_path=settings.PORTAL_FONT_PATH, font_index=settings.PORTAL_FONT_INDEX)


def detect_options():
    return engine.DetectOptions(max_side=settings.FACE_DETECT_MAX_SIDE)


def read_faces(field):
    """Open a stored image and find its faces: (image, faces)."""
    with field.open("rb") as handle:
        data = handle.read()
    return engine.faces_in_bytes(data, upload_limits(), detect_options())


def quality_thresholds():
    return quality.Thresholds(
        min_face_px=settings.ENROLL_MIN_FACE_PX,
        min_sharpness=settings.ENROLL_MIN_SHARPNESS,
        min_brightness=settings.ENROLL_MIN_BRIGHTNESS,
        max_brightness=settings.ENROLL_MAX_BRIGHTNESS,
    )


def face_photo_encode(*, photo):
    """Turn an enrollment photo into a template, or reject it with a reason.

    Checks, in order: readable, one face (or one clearly dominant face, see
    quality.dominant_face), the face's quality, not a near-copy of a photo the
    person already has, and not the face of another enrolled person (then it
    waits for an admin's decision in REVIEW instead of joining the gallery).
    """
    try:
        image, faces = read_faces(photo.image)
    except imaging.ImageRejected as exc:
        return _photo_reject(photo, "unreadable", exc.message)
    except FileNotFoundError:
        return _photo_reject(photo, "unreadable", "The photo's file is missing from storage; upload it again.")
    photo.width, photo.height = image.size
    if not faces:
        return _photo_reject(
            photo, "no_face", "No face was found. Use a photo where the face is clearly visible and upright."
        )
    thresholds = quality_thresholds()
    main = quality.dominant_face([face.box for face in faces], thresholds.dominant_ratio)
    if main is None:
        return _photo_reject(
            photo,
            "several_faces",
            f"{len(faces)} faces were found and none is clearly the main one; "
            "an enrollment photo must show only the person being enrolled.",
        )
    face = faces[main]
    photo.box = list(face.box)
    problem = quality.face_problem(image, face.box, thresholds)
    if problem:
        return _photo_reject(photo, problem.code, problem.message)
    twin = _near_duplicate(photo, face.encoding)
    if twin:
        return _photo_reject(
            photo,
            "near_duplicate",
            f"This photo is almost the same as photo {twin} this person already has, so it adds nothing. "
            "Use a photo taken at another moment, angle or light.",
        )
    lookalike, distance = _lookalike(photo.person_id, face.encoding)
    with transaction.atomic():
        photo.encoding = face.encoding.astype("float32").tobytes()
        photo.model_name = engine.MODEL_NAME
        photo.encoded_at = timezone.now()
        if lookalike is None:
            photo.status = FacePhoto.Status.ACCEPTED
            photo.reason = photo.reason_code = ""
        else:
            photo.status = FacePhoto.Status.REVIEW
            photo.reason_code = "lookalike"
            photo.reason = (
                f"This face looks like {lookalike.name}, employee {lookalike.employee_id} "
                f"(distance {distance:.2f}). An admin must decide whether it is the same person entered twice."
            )[:300]
            photo.lookalike = lookalike
            photo.lookalike_distance = distance
        photo.save(
            update_fields=[
                "encoding", "box", "width", "height", "model_name", "status", "reason", "reason_code",
                "lookalike", "lookalike_distance", "encoded_at",
            ]
        )
        if photo.status == FacePhoto.Status.ACCEPTED:
            GalleryVersion.bump()
    return photo


def _near_duplicate(photo, encoding):
    """The id of a photo of the same person this face is almost identical to."""
    rows = (
        FacePhoto.objects.filter(
            person_id=photo.person_id, status__in=[FacePhoto.Status.ACCEPTED, FacePhoto.Status.REVIEW]
        )
        .exclude(pk=photo.pk)
        .exclude(encoding=None)
        .values_list("pk", "encoding")
    )
    for pk, other in rows:
        if np.linalg.norm(np.frombuffer(bytes(other), dtype=np.float32) - encoding) < (
            settings.ENROLL_NEAR_DUPLICATE_DISTANCE
        ):
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


def _photo_reject(photo, code, reason):
    photo.status = FacePhoto.Status.REJECTED
    photo.reason_code = code
    photo.reason = reason[:300]
    photo.encoded_at = timezone.now()
    photo.save(update_fields=["status", "reason", "reason_code", "box", "width", "height", "encoded_at"])
    return photo


def capture_process(*, capture):
    """Find, identify and record every face of a capture; draw the result."""
    try:
        image, faces = read_faces(capture.image)
    except imaging.ImageRejected as exc:
        return _capture_fail(capture, exc.message)
    except FileNotFoundError:
        return _capture_fail(capture, "The picture's file is missing from storage.")
    known = gallery.current()
    rule = decision_rule()
    if capture.kiosk_id:
        faces, live, spread = _kiosk_faces(capture, image, faces)
        if live is not None and not live.live:
            return _capture_not_live(capture, image, live)
        rule = burst.FramesRule(rule=rule, spread=spread)
    if capture.claimed_person_id:
        return _verify(capture, image, faces, known, rule)
    matches = [known.search(face.encoding, rule) for face in faces]
    people = Person.objects.in_bulk({m.person_id for m in matches if m.accepted})
    seen = set()
    results, labels = [], []
    for face, match in zip(faces, matches, strict=True):
        person = people.get(match.person_id)
        entry = {
            "box": list(face.box),
            "person_id": person.pk if person else None,
            "name": person.name if person else None,
            "employee_id": person.employee_id if person else None,
            "distance": None if match.distance is None else round(match.distance, 4),
            "decision": "match" if person else "unknown",
            "event_id": None,
            "event": None,
        }
        if person and capture.record_attendance and person.pk not in seen:
            recorded = attendance_event_record(
                person=person, at=capture.created_at, source=capture.source, capture=capture, distance=match.distance,
                direction=capture.direction or None,
            )
            entry["event_id"] = recorded.event.pk
            entry["event"] = "created" if recorded.created else "cooldown"
            entry["direction"] = recorded.event.direction
        if person:
            seen.add(person.pk)
        results.append(entry)
        labels.append((face.box, person.name if person else "Unknown", bool(person)))
    capture.annotated.save(f"annotated-{capture.pk}.jpg", ContentFile(annotated_jpeg(image, labels)), save=False)
    capture.result = {"faces": results, "gallery_size": len(known)}
    capture.status = Capture.Status.DONE
    capture.error = ""
    capture.finished_at = timezone.now()
    capture.save(update_fields=["annotated", "result", "status", "error", "finished_at"])
    return capture


def _verify(capture, image, faces, known, rule):
    """1:1: is the largest face the claimed person?

    The face must match the claimed person and nobody better; the result
    never names anyone else.
    """
    person = capture.claimed_person
    entry = {"person_id": person.pk, "name": person.name, "employee_id": person.employee_id}
    result = {"faces": [], "verified": False, "gallery_size": len(known)}
    labels = []
    if not faces:
        result["reason"] = "no_face"
    elif not (known.labels == person.pk).any():
        result["reason"] = "not_enrolled"
    else:
        face = max(faces, key=lambda f: f.width)
        # the distance the rule judged: to the person's average face (with a burst's spread)
        own = decision.distance_to(known, face.encoding, person.pk, spread=getattr(rule, "spread", 0.0))
        match = known.search(face.encoding, rule)
        verified = match.accepted and match.person_id == person.pk
        result["verified"] = verified
        result["reason"] = "match" if verified else "no_match"
        face_entry = {
            "box": list(face.box),
            "distance": round(own, 4),
            "decision": "verified" if verified else "refused",
            "event_id": None,
            "event": None,
            **(entry if verified else {"person_id": None, "name": None, "employee_id": None}),
        }
        if verified and capture.record_attendance:
            recorded = attendance_event_record(
                person=person, at=capture.created_at, source=capture.source, capture=capture, distance=own,
                direction=capture.direction or None,
            )
            face_entry.update(
                event_id=recorded.event.pk,
                event="created" if recorded.created else "cooldown",
                direction=recorded.event.direction,
            )
        result["faces"].append(face_entry)
        result["distance"] = round(own, 4)
        labels.append((face.box, person.name if verified else "Not verified", verified))
    capture.annotated.save(f"annotated-{capture.pk}.jpg", ContentFile(annotated_jpeg(image, labels)), save=False)
    capture.result = result
    capture.status = Capture.Status.DONE
    capture.error = ""
    capture.finished_at = timezone.now()
    capture.save(update_fields=["annotated", "result", "status", "error", "finished_at"])
    return capture


def _kiosk_faces(capture, image, faces):
    """A kiosk attempt shows one person: the largest face over all its frames, combined."""
    frames = [(image, faces)]
    for frame in capture.frames.all():
        try:
            with frame.image.open("rb") as handle:
                frames.append((imaging.decode(handle.read(), upload_limits()), None))
        except (imaging.ImageRejected, FileNotFoundError):
            continue  # checked on upload; a frame lost since then is one frame fewer
    rule = liveness.LivenessRule() if capture.require_liveness else None
    attempt = burst.analyse(frames, options=detect_options(), rule=rule)
    return ([attempt.face] if attempt.face else []), attempt.liveness, attempt.spread


def _capture_not_live(capture, image, live):
    """A still face (a photo held up): no identification, no attendance."""
    capture.annotated.save(f"annotated-{capture.pk}.jpg", ContentFile(annotated_jpeg(image, [])), save=False)
    capture.result = {
        "faces": [],
        "reason": "not_live",
        "liveness": {"reason": live.reason, "motion": live.motion, "blink": live.blink, "frames": live.frames},
    }
    capture.status = Capture.Status.DONE
    capture.error = ""
    capture.finished_at = timezone.now()
    capture.save(update_fields=["annotated", "result", "status", "error", "finished_at"])
    return capture


def _capture_fail(capture, message):
    capture.status = Capture.Status.FAILED
    capture.error = message[:300]
    capture.finished_at = timezone.now()
    capture.save(update_fields=["status", "error", "finished_at"])
    return capture
