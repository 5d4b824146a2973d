"""Several frames of one kiosk attempt -> one face, and whether it is alive.

A kiosk looks at one person: in each frame we take the largest face, keep
the frames that show the same person as the first, and average their
encodings (the mean of a few encodings of one face lies closer to that
person's templates than a single noisy frame). No Django here.
"""

from dataclasses import dataclass

import numpy as np

from recognition import engine, imaging, liveness

# frames farther than this from the first frame's face show someone else
# (a second person stepping in); they are left out of the average
SAME_PERSON = 0.6


@dataclass(frozen=True)
class Attempt:
    face: engine.Face | None  # the combined face, None when no frame showed one
    frames: int  # frames looked at
    used: int  # frames whose face went into the average
    liveness: liveness.Liveness | None  # None when not asked for


def largest(faces):
    return max(faces, key=lambda f: f.width) if faces else None


def combine(faces):
    """One face from the same person's face in several frames: the first box, the mean encoding."""
    mean = np.mean([f.encoding for f in faces], axis=0).astype(np.float32)
    return engine.Face(box=faces[0].box, encoding=mean)


def analyse(frames, *, options=engine.DetectOptions(), rule=None):
    """frames: a list of (PIL image, faces or None); faces already found are not looked for again."""
    chosen, points = [], []
    for image, faces in frames:
        if faces is None:
            faces = engine.find_faces(image, options)
        face = largest(faces)
        if face is None:
            continue
        if chosen and float(np.linalg.norm(face.encoding - chosen[0].encoding)) > SAME_PERSON:
            continue
        chosen.append(face)
        if rule is not None:
            points.append(liveness.landmarks(imaging.to_array(image), face.box))
    verdict = liveness.check(points, rule) if rule is not None else None
    return Attempt(face=combine(chosen) if chosen else None, frames=len(frames), used=len(chosen), liveness=verdict)
