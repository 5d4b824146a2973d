"""Who is this face? The open-set decision, calibrated on real faces (no Django, no dlib).

The rule, measured on LFW (see README, "Accuracy"):

1. Each enrolled person is represented by their *average face*: the mean
   of their templates' encodings. Averaging two or three photos cancels
   much of what one photo's light and pose add, so a person's own faces sit
   closer to it than to any single template, while a stranger's do not.
2. The nearest person (by distance to their average face) is accepted when
   that distance is at most the person's own threshold:

       threshold(person) = threshold - max(0, lookalike_distance - nearest_other)

   where nearest_other is the distance from the person's average face to the
   nearest *other* enrolled person's. A person nobody enrolled resembles gets
   the full threshold; a person with a look-alike enrolled gets a stricter
   one, by exactly as much as the look-alike is closer than
   lookalike_distance. Strangers are mostly taken for people in crowded
   parts of face space, which is where the threshold tightens.

Both parts need only the gallery, so the rule adapts as people are enrolled.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from recognition import shortlist
from recognition.texts import gettext_noop  # English here; the portal translates the words


@dataclass(frozen=True)
class Match:
    person_id: object  # None when nobody is accepted
    distance: float | None  # distance to the best person (even when refused)
    best_person_id: object  # best candidate, accepted or not
    second_distance: float | None
    accepted: bool
    threshold: float | None = None  # the best person's own threshold, when the rule has one


NO_MATCH = Match(person_id=None, distance=None, best_person_id=None, second_distance=None, accepted=False)

# Measured on lfw-dev (tuned on half of the people, see README): below this
# distance between two enrolled people's average faces, their thresholds
# tighten; it is also where the admin starts to show "has a look-alike".
LOOKALIKE_DISTANCE = 0.5

# The admin flags a person as a look-alike risk when another enrolled person's
# average face is nearer than this: on lfw-dev 4% of 432 people, whose own
# threshold is then 0.06 or more below the mode's.
LOOKALIKE_RISK = 0.44

# The one knob: the largest distance to a person's average face that is
# accepted, by mode. Measured stranger acceptance on lfw-dev with two photos
# per person and 432 people enrolled: see README, "Accuracy".
MODES = {"strict": 0.44, "balanced": 0.46, "lenient": 0.48}
# Thresholds belong to an encoding version (recognition/encoders.py VERSIONS).
# The mirror version (the mean of a face and its mirror image) brings faces
# closer together: on lfw-dev same-person distances by 0.021 at the median,
# and the nearest different-person distances (0.1st percentile) by 0.012. Its
# modes are therefore one 0.01 step below the plain version's; checked on
# the even half of lfw-dev's people, reported on the odd half (README, "Accuracy").
MODES_BY_VERSION = {
    "dlib_face_recognition_resnet_model_v1": MODES,
    "dlib_face_recognition_resnet_model_v1+mirror": {"strict": 0.43, "balanced": 0.45, "lenient": 0.47},
    # SFace's encodings have length 1: distances run from 0 to 2 (d^2 = 2 - 2 cosine)
    "opencv_zoo_sface_2021dec": {"strict": 1.01, "balanced": 1.03, "lenient": 1.05},
}

# Two frames of one kiosk attempt farther apart than this show different
# people (dlib's own same-person bound).
SAME_FACE = 0.6


@dataclass(frozen=True)
class Calibration:
    """Everything measured on a version's distances: a threshold of one version means nothing in another."""

    size: int  # values in one encoding
    modes: dict  # mode -> threshold
    lookalike_distance: float  # LOOKALIKE_DISTANCE
    lookalike_risk: float  # LOOKALIKE_RISK
    same_face: float  # SAME_FACE: frames of one attempt, one camera track, one returning stranger
    # a camera face joins a track it does not overlap only nearer than this (tracking.Tracker)
    reid_distance: float
    # an enrollment photo this near to one the person has adds nothing (ENROLL_NEAR_DUPLICATE_DISTANCE)
    near_duplicate: float
    # CONFIDENCE_SPAN, confidence()'s 0.05/0.1 steps and CAMERA_CONFIDENT_MARGIN are read on this
    # scale (1 for dlib's)
    scale: float = 1.0
    # a person's average face scaled back to length 1 (a direction, as the network's cosine compares):
    # the mean of two unit vectors is shorter, nearer to every probe, so without it one threshold
    # could not serve people enrolled with one photo and with several
    unit_average: bool = False


_DLIB: dict[str, Any] = {
    "size": 128,
    "lookalike_distance": LOOKALIKE_DISTANCE,
    "lookalike_risk": LOOKALIKE_RISK,
    "same_face": SAME_FACE,
    "reid_distance": 0.45,
    "near_duplicate": 0.15,
}
CALIBRATIONS = {
    "dlib_face_recognition_resnet_model_v1": Calibration(modes=MODES, **_DLIB),
    "dlib_face_recognition_resnet_model_v1+mirror": Calibration(
        modes=MODES_BY_VERSION["dlib_face_recognition_resnet_model_v1+mirror"], **_DLIB
    ),
    # measured on lfw-dev's even half with YuNet's landmarks (docs/recognition-models.md), average
    # faces of length 1: the modes are the largest thresholds at 1% of strangers and of held-out
    # strangers with one and with two photos enrolled; an average face's nearest other person is
    # 1.05 away at the 4th percentile, 1.08 at the 10th (dlib's 0.44 and 0.50);
    # a re-saved or resized copy of a photo moves SFace's encoding 0.24 at the
    # median, 0.47 at most, another photo of the same person at least 0.58;
    # the nearest of 864 templates is within 1.2 of 99% of strangers (dlib 0.6)
    "opencv_zoo_sface_2021dec": Calibration(
        size=128,
        modes=MODES_BY_VERSION["opencv_zoo_sface_2021dec"],
        lookalike_distance=1.08,
        lookalike_risk=1.05,
        same_face=1.2,
        reid_distance=1.0,
        near_duplicate=0.4,
        scale=2.0,
        unit_average=True,
    ),
}


def calibration(version=None):
    """The measured numbers of an encoding version (dlib's plain version's for an unknown or empty one)."""
    return CALIBRATIONS.get(version or "", CALIBRATIONS["dlib_face_recognition_resnet_model_v1"])


@dataclass(frozen=True)
class CalibratedRule:
    threshold: float = MODES["balanced"]
    lookalike_distance: float = LOOKALIKE_DISTANCE
    # second-best person must be at least this much farther (0: off); kept for
    # experts, measured to add nothing on top of the calibration
    margin: float = 0.0
    # frames of one attempt farther apart than this show different people (the version's)
    same_face: float = SAME_FACE
    # the version's distance scale (Calibration.scale): margins given in dlib's units are read on it
    scale: float = 1.0

    def person_threshold(self, nearest_other):
        return self.threshold - max(0.0, self.lookalike_distance - nearest_other)

    def match(self, gallery, probe):
        return decide(gallery, probe, self)


class People:
    """The average face of every person of a gallery, and how far each is from the others.

    Rows may be *retired* (a person changed or left: their row's squared norm
    is infinite, so it is never nearest) and new rows appended: a gallery
    changes one person at a time without rebuilding everyone (recognition/gallery.py).
    Only the first `size` rows belong to this object; the arrays may be longer.
    """

    def __init__(self, matrix=None, labels=None, *, unit=False):
        if matrix is None:
            return  # filled by from_rows
        matrix = np.asarray(matrix, dtype=np.float32)
        matrix = matrix.reshape(len(matrix), -1) if matrix.ndim != 2 else matrix
        labels = np.asarray(labels)
        ids, inverse = np.unique(labels, return_inverse=True)
        templates = np.bincount(inverse, minlength=len(ids))
        centroids = _averages(matrix, inverse, templates, unit=unit)
        self._fill(ids, centroids, templates, np.einsum("ij,ij->i", centroids, centroids), len(ids), len(ids))

    @classmethod
    def from_rows(cls, ids, centroids, templates, sq_norms, size, live, index=None, nearest=None, short_list=None):
        people = cls()
        people._fill(ids, centroids, templates, sq_norms, size, live, index, nearest)
        # still true for the rows it was built on: they keep their places (retired ones measure as infinite)
        people.short_list = short_list
        return people

    def _fill(self, ids, centroids, templates, sq_norms, size, live, index=None, nearest=None):
        self.size, self.live = size, live
        self.ids, self.centroids, self.templates, self.sq_norms = ids, centroids, templates, sq_norms
        # the rows beyond size are another (newer) object's: never searched here
        self._index = index if index is not None else {_plain(pid): i for i, pid in enumerate(ids[:size])}
        self._nearest = nearest if nearest is not None else {}  # row -> (distance, row of the nearest other)
        self.short_list = None  # a compressed copy for a faster first pass (recognition/shortlist.py)

    def __len__(self):
        return self.live

    def row(self, person_id):
        row = self._index.get(person_id)
        if row is None or row >= self.size or not np.isfinite(self.sq_norms[row]):
            return None
        return row

    def distances(self, probe):
        probe = np.asarray(probe, dtype=np.float32)
        # in place after the product, as engine.distances: no extra passes over a million rows
        squared = self.centroids[: self.size] @ probe
        squared *= -2.0
        squared += self.sq_norms[: self.size]
        squared += np.float32(probe @ probe)
        np.maximum(squared, 0.0, out=squared)
        return np.sqrt(squared, out=squared)

    def nearest_two(self, probe, *, exclude_row=None):
        """(best row, its distance, second distance or inf) for a probe; (None, inf, inf) for nobody.

        Exact: a short list, when there is one, only spares the scan rows
        that provably cannot be among the two nearest.
        """
        short = shortlist.for_people(self)
        if short is not None:
            found = short.nearest_two(self, probe, exclude_row=exclude_row)
            if found is not None:
                return found
        dist = self.distances(probe)
        if exclude_row is not None:
            dist[exclude_row] = np.inf
        # the two nearest by two argmin passes: a full argsort took 20+ ms at a million people
        best = int(np.argmin(dist)) if len(dist) else 0
        if not len(dist) or not np.isfinite(dist[best]):
            return None, float("inf"), float("inf")
        best_distance = float(dist[best])
        dist[best] = np.inf
        second = float(dist.min()) if len(dist) > 1 else float("inf")
        return best, best_distance, second

    def nearest_other(self, row):
        """(distance, row) of the person nearest to this one; (inf, None) when alone.

        Computed on first use and kept: one pass over the people, like a search.
        """
        if row not in self._nearest:
            other, distance, _ = self.nearest_two(self.centroids[row], exclude_row=row)
            self._nearest[row] = (distance, other) if other is not None else (float("inf"), None)
        return self._nearest[row]


def _averages(matrix, inverse, templates, *, unit=False):
    """The mean template of every person (row i: the person of inverse value i).

    Sorted once and summed per run of rows (np.add.reduceat): np.add.at took
    35 s for a million templates. A gallery of one template per person in
    person order is its own average: no copy. unit: each mean scaled to
    length 1 (Calibration.unit_average).
    """
    if len(matrix) == 0:
        return np.zeros((0, matrix.shape[1]), dtype=np.float32)
    if len(matrix) == len(templates) and np.all(inverse == np.arange(len(inverse))):
        return _unit(matrix) if unit else matrix
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate(([0], np.cumsum(templates)[:-1]))
    sums = np.add.reduceat(matrix[order], starts, axis=0, dtype=np.float64)
    if unit:
        return _unit(sums)
    return (sums / np.maximum(templates, 1)[:, None]).astype(np.float32)


def _unit(rows):
    rows = np.asarray(rows, dtype=np.float64)  # as the sums are: one template alone gives the same numbers
    lengths = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(lengths, 1e-12)).astype(np.float32)


def people_of(gallery):
    """The gallery's People, built once per gallery object (a gallery is never changed in place)."""
    people = getattr(gallery, "_decision_people", None)
    if people is None:
        unit = calibration(getattr(gallery, "encoding_version", None)).unit_average
        people = People(gallery.matrix, gallery.labels, unit=unit)
        gallery._decision_people = people
    return people


def decide(gallery, probe, rule=CalibratedRule(), *, exclude=None, spread=0.0):
    """The best person for one encoding and whether the rule accepts them.

    exclude: a person id left out (is this face someone *else* enrolled?).
    spread: for a mean of frames, their mean squared distance to that mean
    (see decide_frames). Match.distance is the distance to the best person's
    average face.
    """
    people = people_of(gallery)
    if len(people) == 0:
        return NO_MATCH
    excluded = people.row(exclude) if exclude is not None else None
    best, best_distance, runner_up = people.nearest_two(probe, exclude_row=excluded)
    if best is None:
        return NO_MATCH
    if spread:
        # float32 as a whole column would be: the same numbers the exact scan always gave
        best_distance, runner_up = (float(_spread(d, spread)) for d in (best_distance, runner_up))
    second = runner_up if np.isfinite(runner_up) else None
    nearest_other, _ = people.nearest_other(best)
    threshold = rule.person_threshold(nearest_other)
    accepted = best_distance <= threshold
    if accepted and rule.margin > 0 and second is not None:
        accepted = second - best_distance >= rule.margin
    person = _plain(people.ids[best])
    return Match(
        person_id=person if accepted else None,
        distance=best_distance,
        best_person_id=person,
        second_distance=second,
        accepted=accepted,
        threshold=threshold,
    )


def _spread(distance, spread):
    distance = np.float32(distance)
    return np.sqrt(distance * distance + np.float32(spread))


def distance_to(gallery, probe, person_id, *, spread=0.0):
    """Distance from an encoding to one person's average face, as decide() measures it; None if not enrolled."""
    people = people_of(gallery)
    row = people.row(person_id)
    if row is None:
        return None
    difference = people.centroids[row] - np.asarray(probe, dtype=np.float32)
    return float(np.sqrt(float(difference @ difference) + spread))


def combine_frames(encodings, same_face=SAME_FACE):
    """Several frames of one attempt -> (mean encoding, spread, frames used); (None, 0.0, 0) for none.

    The face in most agreement with the others (the medoid) is the
    reference; frames farther than SAME_FACE from it (someone else stepping
    in) are left out. spread is the frames' mean squared distance to their
    mean: averaging pulls an encoding towards the middle of face space,
    closer to everyone, and decide() adds the spread back to every distance
    (sqrt(d^2 + spread) is the root mean square of the frames' own distances
    to a person's average face) so the thresholds keep their meaning.
    """
    frames = [np.asarray(e, dtype=np.float32) for e in encodings if e is not None]
    if not frames:
        return None, 0.0, 0
    stack = np.vstack(frames)
    pairwise = np.linalg.norm(stack[:, None, :] - stack[None, :, :], axis=2)
    medoid = int(np.argmin(pairwise.sum(axis=1)))
    used = stack[pairwise[medoid] <= same_face]
    mean = used.mean(axis=0)
    spread = float(np.mean(np.sum((used - mean) ** 2, axis=1)))
    return mean.astype(np.float32), spread, len(used)


def decide_frames(gallery, encodings, rule=CalibratedRule()):
    """Decide one kiosk attempt from the encodings of its frames (one face per frame, None for none).

    Measured on lfw-dev (two photos of a person as the two frames, balanced
    mode): 93% of attempts accepted with 0.6% of held-out strangers, against
    88% and 2.4% for the first frame alone; a vote between frames accepts
    fewer people (81%), a plain mean without the spread more strangers.
    """
    mean, spread, _ = combine_frames(encodings, rule.same_face)
    if mean is None:
        return NO_MATCH
    return decide(gallery, mean, rule, spread=spread)


def lookalikes(matrix, labels, only=None, version=None):
    """Per person (all, or the ids in only): (distance to the nearest other person's average face, their id).

    For the admin's look-alike column; numpy only, so the web process can run it.
    version: the encodings' version (how its average faces are made).
    """
    people = People(matrix, labels, unit=calibration(version).unit_average)
    result = {}
    for row, pid in enumerate(people.ids):
        if only is not None and _plain(pid) not in only:
            continue
        distance, other = people.nearest_other(row)
        result[_plain(pid)] = (distance, None if other is None else _plain(people.ids[other]))
    return result


# confidence for people: the distance scale over which it goes from 100% to 0%
CONFIDENCE_SPAN = 0.2


def confidence(distance, threshold, scale=1.0):
    """(percent, words) for a face distance, read against the rule's threshold.

    50% sits exactly at the threshold, where the rule stops accepting; each
    0.02 closer adds 5%, so 100% is CONFIDENCE_SPAN below it and 0%
    CONFIDENCE_SPAN above. The words follow the measured rates (README,
    "Accuracy"): well below the threshold almost no stranger is accepted.
    scale: the encoding version's (Calibration.scale): SFace's distances spread
    twice as wide as dlib's, so are its steps.
    """
    percent = round(max(0.0, min(1.0, 0.5 + (threshold - distance) / (2 * CONFIDENCE_SPAN * scale))) * 100)
    if distance > threshold:
        words = gettext_noop("not a match")
    elif distance <= threshold - 0.1 * scale:
        words = gettext_noop("very sure")
    elif distance <= threshold - 0.05 * scale:
        words = gettext_noop("sure")
    else:
        words = gettext_noop("fairly sure: check the photo")
    return percent, words


def rule_for(*, mode="balanced", threshold=None, version=None):
    """The rule for a mode name in an encoding version, or an expert's explicit threshold (which wins)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    measured = calibration(version)
    return CalibratedRule(
        threshold=measured.modes[mode] if threshold is None else threshold,
        lookalike_distance=measured.lookalike_distance,
        same_face=measured.same_face,
        scale=measured.scale,
    )


def _plain(value):
    return value.item() if hasattr(value, "item") else value
