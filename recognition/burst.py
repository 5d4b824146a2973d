"""Several frames of one kiosk attempt -> one face, and whether it is alive.

A kiosk looks at one person: in each frame we take the largest face and
combine their encodings with decision.combine_frames (frames showing
someone else are left out; the mean of the rest decides, with the frames'
spread added back to every distance, see decision.decide_frames). No Django.
"""

from dataclasses import dataclass

from recognition import decision, engine, imaging, liveness


@dataclass(frozen=True)
class Attempt:
    face: engine.Face | None  # the combined face, None when no frame showed one
    spread: float  # the frames' mean squared distance to their mean (0 for one frame)
    frames: int  # frames looked at
    used: int  # frames whose face went into the mean
    liveness: liveness.Liveness | None  # None when not asked for


@dataclass(frozen=True)
class FramesRule:
    """A decision rule for the mean of an attempt's frames: decide() with their spread."""

    rule: decision.CalibratedRule
    spread: float

    def match(self, gallery, probe):
        return decision.decide(gallery, probe, self.rule, spread=self.spread)


def largest(faces):
    return max(faces, key=lambda f: f.width) if faces else None


def analyse(frames, *, options=engine.DetectOptions(), rule=None, challenge=""):
    """frames: a list of (PIL image, faces or None); faces already found are not looked for again.

    rule: a liveness.LivenessRule to check liveness over the frames, or None;
    challenge: the movement the frames must show besides (liveness.CHALLENGES), or "".
    """
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
