"""The in-memory gallery a worker searches, and how it stays fresh.

A Gallery is every accepted template of every active person, with the person
of each row, and the people's average faces the decision searches
(decision.People).

Each process holds a gallery *and its position in the change log*: every
change to who is recognizable (a template accepted or deleted, a person
deactivated, reactivated, merged or erased) writes a GalleryChange row
naming the person, in the same transaction as the change, and moves
GalleryVersion's number (recognition/models.py). Before a search a process
reads that number (one indexed read); when it moved, it reads the log
entries after its own position and re-reads only the templates of the
people they name. Their old rows are retired and their new rows appended
(an average face is the mean of that person's own templates), so a change
costs milliseconds whatever the headcount. A whole reload happens only on a
process's first search, when the encoding version switches, or when the log
does not reach back to the position held (pruned, or a rolled-back change
this process had seen inside its own transaction).
"""

import logging
import threading
import time

import numpy as np

from recognition.engine import DecisionRule, distances

log = logging.getLogger(__name__)

# more people changed than this since a process's position: one reload is cheaper
APPLY_PEOPLE_MAX = 20_000
# a gallery's arrays are compacted when retired rows pass this share of them
RETIRED_SHARE_MAX = 0.25


def _as_matrix(rows, dim=None):
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows.reshape(-1, dim or (rows.size or 1)) if dim or rows.size else rows.reshape(0, 0)
    return np.ascontiguousarray(rows)


class Gallery:
    """One snapshot: never changed in place once searched (with_people makes the next one).

    matrix/labels are the live templates; the average faces are in
    decision.people_of(gallery). The dimension comes from the data: an
    encoding version fixes it, and one gallery holds one version.
    """

    def __init__(self, matrix=None, labels=None, version=-1, encoding_version="", change_id=0):
        from recognition.decision import People, calibration

        labels = np.asarray(labels if labels is not None else [], dtype=np.int64)
        matrix = np.zeros((0, 0), dtype=np.float32) if matrix is None else np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2:
            matrix = matrix.reshape(len(labels), -1) if len(labels) else np.zeros((0, 0), dtype=np.float32)
        self.version, self.encoding_version, self.change_id = version, encoding_version, change_id
        self._t_size = self._t_live = len(labels)
        unit = calibration(encoding_version).unit_average
        self._decision_people = People(matrix, labels, unit=unit) if len(labels) else People(np.zeros((0, 1)), [])
        if len(labels):
            # spare rows now, while loading: the first changes then append without copying a million rows
            people = self._decision_people
            spare = _spare(len(people.ids))
            people.centroids, people.ids, people.templates, people.sq_norms = _room_people(
                people.centroids, people.ids, people.templates, people.sq_norms, len(people.ids), spare, matrix.shape[1]
            )
            matrix, labels = _room(matrix, labels, len(labels), _spare(len(labels)), matrix.shape[1])
        self._t_matrix = np.ascontiguousarray(matrix)
        self._t_labels = labels  # -1: retired
        self._views = None

    @classmethod
    def from_pairs(cls, pairs, version=-1, encoding_version="", change_id=0):
        """pairs: iterable of (person_id, encoding), an encoding a float sequence or float32 bytes."""
        # one growing buffer, not an array object per row: at 100,000 templates
        # the per-row objects took more memory than the matrix, and kept it
        labels, data, size = [], bytearray(), None
        for person_id, encoding in pairs:
            row = encoding if isinstance(encoding, (bytes, bytearray, memoryview)) else None
            if row is None:
                row = np.asarray(encoding, dtype=np.float32).tobytes()
            if size is None:
                size = len(row)
            if len(row) != size or size % 4:
                raise ValueError(f"an encoding of {len(row)} bytes among encodings of {size}: one version per gallery")
            labels.append(person_id)
            data += row
        matrix = np.frombuffer(data, dtype=np.float32).reshape(len(labels), -1) if labels else None
        return cls(matrix=matrix, labels=labels, version=version, encoding_version=encoding_version,
                   change_id=change_id)

    def __len__(self):
        return self._t_live

    @property
    def dim(self):
        return self._t_matrix.shape[1] if self._t_matrix.ndim == 2 else 0

    def _live(self):
        if self._views is None:
            labels = self._t_labels[: self._t_size]
            if self._t_live == self._t_size:
                matrix = self._t_matrix[: self._t_size]
            else:
                keep = labels >= 0
                matrix, labels = self._t_matrix[: self._t_size][keep], labels[keep]
            self._views = (matrix, labels, np.einsum("ij,ij->i", matrix, matrix))
        return self._views

    @property
    def matrix(self):
        return self._live()[0]

    @property
    def labels(self):
        return self._live()[1]

    @property
    def sq_norms(self):
        return self._live()[2]

    @property
    def people(self):
        return len(self._decision_people)

    def has_person(self, person_id):
        return self._decision_people.row(person_id) is not None

    def search(self, probe, rule=DecisionRule()):
        # each rule knows what it needs from the gallery (templates or average faces)
        return rule.match(self, probe)

    def distances(self, probe):
        return distances(self.matrix, self.sq_norms, probe)

    def with_people(self, changes, *, version, change_id):
        """The next snapshot: each person of `changes` has exactly those templates now
        ({person_id: (k, dim) array}, k = 0: the person is no longer recognizable).

        Retires the people's old rows and appends their new ones; the arrays
        are shared with this snapshot where they did not have to grow, and
        this snapshot never searches past its own size. Compacts (one copy)
        when too many rows are retired.
        """
        from recognition.decision import People, _averages, calibration

        old = self._decision_people
        dim = self.dim or next((np.asarray(t).reshape(len(t), -1).shape[1] for t in changes.values() if len(t)), 0)
        new_rows = {pid: _as_matrix(t, dim) for pid, t in changes.items() if len(t)}
        for pid, rows in new_rows.items():
            if rows.shape[1] != dim:
                raise ValueError(f"person {pid}: encodings of {rows.shape[1]} values in a gallery of {dim}")
        added_templates = sum(len(rows) for rows in new_rows.values())

        # templates: grow (a copy) only when the spare rows run out
        t_matrix, t_labels = _room(self._t_matrix, self._t_labels, self._t_size, added_templates, dim)
        changed = np.fromiter(changes, dtype=np.int64, count=len(changes))
        retired_t = np.flatnonzero(np.isin(t_labels[: self._t_size], changed))
        t_labels[retired_t] = -1
        t_size = self._t_size
        for pid, rows in new_rows.items():
            t_matrix[t_size : t_size + len(rows)] = rows
            t_labels[t_size : t_size + len(rows)] = pid
            t_size += len(rows)

        # people: the same, one row a person
        p_ids, p_centroids, p_templates, p_sq = old.ids, old.centroids, old.templates, old.sq_norms
        size = old.size
        p_centroids, p_ids, p_templates, p_sq = _room_people(p_centroids, p_ids, p_templates, p_sq, size,
                                                             len(new_rows), dim)
        index = old._index
        retired = []
        for pid in changes:
            row = old.row(pid)
            if row is not None:
                p_sq[row] = np.inf  # never the nearest again: one value, so a search running now sees old or new
                retired.append(row)
        appended = []
        unit = calibration(self.encoding_version).unit_average
        for pid, rows in new_rows.items():
            # the arithmetic of a full load's averages, so the numbers are the same
            centroid = _averages(rows, np.zeros(len(rows), dtype=np.int64), np.array([len(rows)]), unit=unit)[0]
            p_centroids[size], p_ids[size], p_templates[size] = centroid, pid, len(rows)
            p_sq[size] = np.float32(centroid @ centroid)
            index[pid] = size
            appended.append(size)
            size += 1
        for pid in changes:
            if pid not in new_rows:
                index.pop(pid, None)
        live = old.live - len(retired) + len(appended)
        nearest = _nearest_carried(old, retired, appended, p_centroids)
        people = People.from_rows(p_ids, p_centroids, p_templates, p_sq, size, live, index, nearest, old.short_list)

        nxt = Gallery.__new__(Gallery)
        nxt.version, nxt.encoding_version, nxt.change_id = version, self.encoding_version, change_id
        nxt._t_matrix, nxt._t_labels, nxt._t_size = t_matrix, t_labels, t_size
        nxt._t_live = self._t_live - len(retired_t) + added_templates
        nxt._views = None
        nxt._decision_people = people
        if size - live > RETIRED_SHARE_MAX * max(size, 1) + 1024:
            return nxt.compacted()
        return nxt

    def compacted(self):
        """The same gallery in fresh arrays without retired rows."""
        return Gallery(self.matrix.copy(), self.labels.copy(), self.version, self.encoding_version, self.change_id)


def _spare(size):
    return size // 8 + 1024


def _room(matrix, labels, size, more, dim):
    if size + more <= len(labels) and (matrix.ndim == 2 and matrix.shape[1] == dim or not len(labels)):
        if matrix.flags.writeable and labels.flags.writeable:
            return matrix, labels
    capacity = max(size + more, size + _spare(size))
    new_matrix = np.empty((capacity, dim), dtype=np.float32)
    new_labels = np.full(capacity, -1, dtype=np.int64)
    if size:
        new_matrix[:size] = matrix[:size]
        new_labels[:size] = labels[:size]
    return new_matrix, new_labels


def _room_people(centroids, ids, templates, sq_norms, size, more, dim):
    fits = size + more <= len(ids) and centroids.ndim == 2 and (centroids.shape[1] == dim or not size)
    if fits and all(a.flags.writeable for a in (centroids, ids, templates, sq_norms)) and centroids.shape[1] == dim:
        return centroids, ids, templates, sq_norms
    capacity = max(size + more, size + _spare(size))
    new = (
        np.zeros((capacity, dim), dtype=np.float32),
        np.full(capacity, -1, dtype=np.int64),
        np.zeros(capacity, dtype=np.int64),
        np.full(capacity, np.inf, dtype=np.float32),
    )
    if size:
        new[0][:size], new[1][:size], new[2][:size], new[3][:size] = (
            centroids[:size], ids[:size], templates[:size], sq_norms[:size]
        )
    return new


def _nearest_carried(old, retired, appended, centroids):
    """The look-alike distances already computed, still true after the change.

    A person's nearest other is dropped when either of the two changed; the
    others are compared with the appended people (one small product), so a
    change never costs every cached person a new pass over everyone.
    """
    retired_set = set(retired)
    kept = {
        row: (distance, other)
        for row, (distance, other) in old._nearest.items()
        if row not in retired_set and other not in retired_set
    }
    if kept and appended:
        rows = np.fromiter(kept, dtype=np.int64, count=len(kept))
        diff = centroids[rows][:, None, :] - centroids[appended][None, :, :]
        dist = np.sqrt(np.maximum(np.einsum("ijk,ijk->ij", diff, diff), 0.0))
        nearest = dist.argmin(axis=1)
        for i, row in enumerate(rows.tolist()):
            distance = float(dist[i, nearest[i]])
            if distance < kept[row][0]:
                kept[row] = (distance, appended[int(nearest[i])])
    return kept


_lock = threading.Lock()
_cached = Gallery()


def current():
    """This process's gallery, brought up to the log's position if it moved."""
    global _cached
    from recognition.models import GalleryVersion

    position = GalleryVersion.position()
    if not _at(_cached, position):
        with _lock:
            if not _at(_cached, position):
                _cached = refreshed(_cached, position)
    return _cached


def _at(held, position):
    version, change_id, encoding_version = position
    return (held.version, held.change_id) == (version, change_id) and held.encoding_version == (
        encoding_version or held.encoding_version
    )


def refreshed(held, position):
    """`held` brought to `position` ((version, change id, encoding version)): the log's changes, or a reload."""
    from recognition.models import FacePhoto, GalleryChange

    version, change_id, encoding_version = position
    start = time.perf_counter()
    people = None
    same_version = held.encoding_version and held.encoding_version == (encoding_version or held.encoding_version)
    if 0 <= held.version <= version and same_version and held.dim:
        entries = list(
            GalleryChange.objects.filter(seq__gte=held.version, seq__lte=version)
            .order_by()
            .values_list("seq", "id", "person_id")[: APPLY_PEOPLE_MAX + 1]
        )
        # the entry this process last applied must still be there: pruned, or rolled back
        # after this process saw it inside its own transaction, it calls for a reload
        reaches = held.version == 0 or any(seq == held.version and pk == held.change_id for seq, pk, _ in entries)
        later = [person for seq, _, person in entries if seq > held.version]
        if reaches and len(entries) <= APPLY_PEOPLE_MAX and None not in later:
            people = set(later)
    if people is None:
        loaded = load(version, change_id=change_id)
        # one line per load: the benchmarks count them (once per process, never per change)
        log.info(
            "gallery loaded: %d templates, version %d (%s), %.0f ms",
            len(loaded), version, loaded.encoding_version, (time.perf_counter() - start) * 1000,
        )
        return loaded
    changes = {pid: [] for pid in people}
    rows = (
        FacePhoto.objects.filter(
            status=FacePhoto.Status.ACCEPTED, person__active=True, model_name=held.encoding_version,
            person_id__in=people,
        )
        .exclude(encoding=None)
        .order_by()
        .values_list("person_id", "encoding")
    )
    for person_id, encoding in rows:
        changes[person_id].append(np.frombuffer(bytes(encoding), dtype=np.float32))
    changes = {pid: np.vstack(rows) if rows else np.zeros((0, held.dim), dtype=np.float32)
               for pid, rows in changes.items()}
    updated = held.with_people(changes, version=version, change_id=change_id)
    log.debug("gallery changed: %d people, version %d, %.1f ms", len(changes), version,
              (time.perf_counter() - start) * 1000)
    return updated


def load(version, change_id=0):
    from recognition import versions
    from recognition.models import FacePhoto

    # one version per search: a photo not (yet) in the active version is left out
    active = versions.active()
    rows = (
        FacePhoto.objects.filter(status=FacePhoto.Status.ACCEPTED, person__active=True, model_name=active)
        .exclude(encoding=None)
        # no ORDER BY: the model's default order made PostgreSQL sort (on disk) every template
        .order_by()
        .values_list("person_id", "encoding")
        .iterator(chunk_size=5000)
    )
    return Gallery.from_pairs(rows, version=version, encoding_version=active, change_id=change_id)


def forget():
    """Drop the cached gallery (tests; a process that changed models)."""
    global _cached
    _cached = Gallery()
