"""Several frames of one kiosk attempt -> one face, and whether it is alive.

A kiosk looks at one person: in each frame we take the largest face and
combine their encodings with decision.combine_frames (frames showing
someone else are left out; the mean of the rest decides, with the frames'
spread added back to every distance, see decision.decide_frames). No Django.
"""

from dataclasses import dataclass, replace

from recognition import decision, engine, imaging, liveness


@dataclass(frozen=True)
class Attempt:
    face: engine.Face | None  # the combined face, None when no frame showed one
    spread: float  # the frames' mean squared distance to their mean (0 for one frame)
    frames: int  # frames looked at
    used: int  # frames whose face went into the mean
    liveness: liveness.Liveness | None  # None when not asked for
    early: bool = False  # decided by the first frame alone (confident): the others were not encoded


@dataclass(frozen=True)
class FramesRule:
    """A decision rule for the mean of an attempt's frames: decide() with their spread."""

    rule: decision.CalibratedRule
    spread: float

    def match(self, gallery, probe):
        return decision.decide(gallery, probe, self.rule, spread=self.spread)


def largest(faces):
    return max(faces, key=lambda f: f.width) if faces else None


def analyse(frames, *, options=engine.DetectOptions(), rule=None, challenge="", confident=None):
    """frames: a sequence of (PIL image, faces or None); faces already found are not looked for again.
    A frame is taken from it only when looked at: a first frame that decides alone leaves the others
    unread (recognition.processing decodes them then). A frame lost since it was uploaded is (None, []).

    rule: a liveness.LivenessRule to check liveness over the frames, or None;
    challenge: the movement the frames must show besides (liveness.CHALLENGES), or "".
    confident: encoding -> bool, whether one frame's face is recognized with room to spare (a person
    waiting at a door): then the first frame alone decides, and the further frames are not encoded;
    with a liveness rule they are still looked at, only around the first frame's face, for its test.
    """
    if confident is not None and frames:
        first = _first_face(frames[0], options)
        if first is not None and confident(first.encoding):
            verdict = None
            if rule is not None:
                points = [
                    liveness.landmarks(imaging.to_array(image), box) for image, box in _near(frames, first, options)
                ]
                verdict = liveness.check(points, rule, challenge)
            return Attempt(face=first, spread=0.0, frames=len(frames), used=1, liveness=verdict, early=True)
        # not sure from one frame: all of them together, the first one's face not looked for again
        frames = [(frames[0][0], [first] if first is not None else []), *frames[1:]]
    chosen, points, to_encode = [], [], []
    for image, faces in frames:
        if faces is None:
            # only the largest face of a further frame counts: detect all, encode that one
            boxes = engine.detect(image, options)
            box = max(boxes, key=lambda b: b[1] - b[3]) if boxes else None
            if box is not None:
                to_encode.append((len(chosen), image, box))
                chosen.append(None)
        else:
            face = largest(faces)
            if face is None:
                continue
            box = face.box
            chosen.append(face)
        if box is not None and rule is not None:
            points.append(liveness.landmarks(imaging.to_array(image), box))
    # the further frames' faces through the network as one batch
    encoded = engine.encode_many([(image, [box]) for _, image, box in to_encode], options)
    for (slot, _, box), (encoding,) in zip(to_encode, encoded, strict=True):
        chosen[slot] = engine.Face(box=box, encoding=encoding)
    verdict = liveness.check(points, rule, challenge) if rule is not None else None
    same_face = decision.calibration(options.version).same_face
    mean, spread, used = decision.combine_frames([face.encoding for face in chosen], same_face)
    face = engine.Face(box=chosen[0].box, encoding=mean) if used else None
    return Attempt(face=face, spread=spread, frames=len(frames), used=used, liveness=verdict)


def _first_face(frame, options):
    """The largest face of an attempt's first frame, encoded (None: no face)."""
    image, faces = frame
    if faces is not None:
        return largest(faces)
    boxes = engine.detect(image, options)
    if not boxes:
        return None
    box = max(boxes, key=lambda b: b[1] - b[3])
    (encoding,) = engine.encode_many([(image, [box])], options)[0]
    return engine.Face(box=box, encoding=encoding)


def _near(frames, first, options):
    """(image, box) of the person's face in each frame: a burst lasts a fraction of a second, so a
    further frame is searched around the first frame's face (a face's width on every side, a ninth
    of a 640x480 frame's pixels for a face 160 px wide) before the whole frame."""
    top, right, bottom, left = first.box
    pad = right - left
    out = [(frames[0][0], first.box)]
    for image, faces in frames[1:]:
        if faces is not None:
            face = largest(faces)
            if face is not None:
                out.append((image, face.box))
            continue
        area = (max(0, left - pad), max(0, top - pad), min(image.width, right + pad), min(image.height, bottom + pad))
        crop = image.crop(area)
        boxes = [
            (b_top + area[1], b_right + area[0], b_bottom + area[1], b_left + area[0])
            for b_top, b_right, b_bottom, b_left in engine.detect(crop, replace(options, max_side=max(crop.size)))
        ] or engine.detect(image, options)
        if boxes:
            out.append((image, max(boxes, key=lambda b: b[1] - b[3])))
    return out
