"""How far each enrolled person's face sits from everyone else's (for the admin pages).

numpy only, no dlib: the web process runs it. The people's average faces
are built once per gallery version (the same number the workers watch), and
a person's nearest other person is computed when first asked for.
"""

import threading
from dataclasses import dataclass

import numpy as np

from recognition import decision
from recognition.models import FacePhoto, GalleryVersion

_lock = threading.Lock()
_cache = {"version": None, "people": None}


@dataclass(frozen=True)
class Lookalike:
    person_id: int  # the enrolled person nearest to this one
    distance: float  # between the two people's average faces
    risk: bool  # nearer than the encoding version's decision.Calibration.lookalike_risk


def _people():
    version = GalleryVersion.current()
    with _lock:
        if _cache["version"] != version:
            rows = list(
                FacePhoto.objects.filter(status=FacePhoto.Status.ACCEPTED, person__active=True)
                .exclude(encoding=None)
                .values_list("person_id", "encoding")
            )
            matrix = (
                np.vstack([np.frombuffer(bytes(encoding), dtype=np.float32) for _, encoding in rows])
                if rows
                else np.zeros((0, 1), dtype=np.float32)  # nobody: no width to know
            )
            unit = decision.calibration(GalleryVersion.encoding_version_now()).unit_average
            _cache.update(version=version, people=decision.People(matrix, [pid for pid, _ in rows], unit=unit))
        return _cache["people"]


def person_lookalike(*, person_id):
    """The person's nearest enrolled look-alike, or None (not enrolled, or alone in the gallery)."""
    people = _people()
    row = people.row(person_id)
    if row is None:
        return None
    distance, other = people.nearest_other(row)
    if other is None:
        return None
    risk = distance < decision.calibration(GalleryVersion.encoding_version_now()).lookalike_risk
    return Lookalike(person_id=int(people.ids[other]), distance=distance, risk=risk)
