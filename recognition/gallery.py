"""The in-memory gallery a worker searches, and how it stays fresh.

A Gallery is one float32 matrix of every accepted template of every active
person, with the person of each row. A search is one matrix-vector product.

Each worker process keeps one gallery and, before each search, compares a
version number stored in the database (one indexed read) with the version it
loaded; enrollments and person changes bump that number. Workers on other
machines therefore see a change on their next task, with nothing shared but
the database.
"""

import array
import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from recognition.engine import ENCODING_SIZE, DecisionRule, distances


@dataclass
class Gallery:
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, ENCODING_SIZE), dtype=np.float32))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    version: int = -1
    # the encoding version of every row: probes must be encoded in it
    encoding_version: str = ""

    def __post_init__(self):
        self.matrix = np.ascontiguousarray(self.matrix, dtype=np.float32).reshape(-1, ENCODING_SIZE)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        self.sq_norms = np.einsum("ij,ij->i", self.matrix, self.matrix)

    @classmethod
    def from_pairs(cls, pairs, version=-1, encoding_version=""):
        """pairs: iterable of (person_id, encoding) where encoding is 128 floats or float32 bytes."""
        # one growing buffer, not an array object per row: at 100,000 templates
        # the per-row objects took more memory than the matrix, and kept it
        labels, data = array.array("q"), bytearray()
        for person_id, encoding in pairs:
            labels.append(person_id)
            row = encoding if isinstance(encoding, (bytes, bytearray, memoryview)) else None
            if row is None:
                row = np.asarray(encoding, dtype=np.float32).tobytes()
            if len(row) != ENCODING_SIZE * 4:
                raise ValueError(f"an encoding of {len(row)} bytes; expected {ENCODING_SIZE} float32 values")
            data += row
        matrix = np.frombuffer(data, dtype=np.float32).reshape(-1, ENCODING_SIZE)
        return cls(
            matrix=matrix,
            labels=np.frombuffer(labels, dtype=np.int64),
            version=version,
            encoding_version=encoding_version,
        )

    def __len__(self):
        return len(self.labels)

    @property
    def people(self):
        return len(np.unique(self.labels))

    def search(self, probe, rule=DecisionRule()):
        # each rule knows what it needs from the gallery (templates or average faces)
        return rule.match(self, probe)

    def distances(self, probe):
        return distances(self.matrix, self.sq_norms, probe)


log = logging.getLogger(__name__)
_lock = threading.Lock()
_cached = Gallery()


def current():
    """This process's gallery, reloaded from the database if it changed."""
    global _cached
    from recognition.models import GalleryVersion

    version = GalleryVersion.current()
    if version != _cached.version:
        with _lock:
            if version != _cached.version:
                start = time.perf_counter()
                _cached = load(version)
                # one line per load: the benchmarks count them (once per change, never per capture)
                log.info(
                    "gallery loaded: %d templates, version %d (%s), %.0f ms",
                    len(_cached), version, _cached.encoding_version, (time.perf_counter() - start) * 1000,
                )
    return _cached


def added(*, person_id, encoding, encoding_version, version):
    """This process just accepted a template and moved the number from version - 1 to version.

    An import accepts photo after photo, each checked against everyone enrolled
    so far: appending the row spares it a full reload per photo. Any other
    change in between (another process's number) leaves the next current() to
    reload, and so does a rolled-back transaction (the number goes back).
    """
    global _cached
    with _lock:
        if _cached.version != version - 1 or _cached.encoding_version != encoding_version:
            return
        _cached = Gallery(
            matrix=np.vstack([_cached.matrix, np.asarray(encoding, dtype=np.float32).reshape(1, ENCODING_SIZE)]),
            labels=np.append(_cached.labels, np.int64(person_id)),
            version=version,
            encoding_version=encoding_version,
        )


def load(version):
    from recognition import versions
    from recognition.models import FacePhoto

    # one version per search: a photo not (yet) in the active version is left out
    active = versions.active()
    rows = (
        FacePhoto.objects.filter(status=FacePhoto.Status.ACCEPTED, person__active=True, model_name=active)
        .exclude(encoding=None)
        .values_list("person_id", "encoding")
        .iterator(chunk_size=5000)
    )
    return Gallery.from_pairs(rows, version=version, encoding_version=active)


def forget():
    """Drop the cached gallery (tests; a process that changed models)."""
    global _cached
    _cached = Gallery()
