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
import os
import re
import threading
import time
from pathlib import Path

import numpy as np

from recognition import shared_gallery
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
        return cls(
            matrix=matrix, labels=labels, version=version, encoding_version=encoding_version, change_id=change_id
        )

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
        p_centroids, p_ids, p_templates, p_sq = _room_people(
            p_centroids, p_ids, p_templates, p_sq, size, len(new_rows), dim
        )
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
            centroids[:size],
            ids[:size],
            templates[:size],
            sq_norms[:size],
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
    return _nearer_appended(kept, appended, centroids)


def _nearer_appended(kept, appended, centroids):
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
    """This process's gallery, brought up to the log's position if it moved.

    With GALLERY_SHARED_DIR (the default with separate workers): the machine's
    shared file, mapped; otherwise a gallery of this process's own.
    """
    global _cached
    from recognition.models import GalleryVersion

    position = GalleryVersion.position()
    try:
        shared = _shared()
        if shared is not None:
            if not (_at(_cached, position) and shared.holds(_cached)):
                with _lock:
                    _cached = shared.current(_cached, position, GalleryVersion.position, refreshed)
            return _cached
    except OSError:
        # a folder this process may not write, a full /dev/shm: searches go on with a gallery of its own
        log.exception("gallery file unusable (GALLERY_SHARED_DIR): this process keeps a gallery of its own")
        _shared_unusable.add(_shared_key())
        _cached = Gallery()
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
            len(loaded),
            version,
            loaded.encoding_version,
            (time.perf_counter() - start) * 1000,
        )
        return loaded
    changes = {pid: [] for pid in people}
    rows = (
        FacePhoto.objects.filter(
            status=FacePhoto.Status.ACCEPTED,
            person__active=True,
            model_name=held.encoding_version,
            person_id__in=people,
        )
        .exclude(encoding=None)
        .order_by()
        .values_list("person_id", "encoding")
    )
    for person_id, encoding in rows:
        changes[person_id].append(np.frombuffer(bytes(encoding), dtype=np.float32))
    changes = {
        pid: np.vstack(rows) if rows else np.zeros((0, held.dim), dtype=np.float32) for pid, rows in changes.items()
    }
    updated = held.with_people(changes, version=version, change_id=change_id)
    log.debug(
        "gallery changed: %d people, version %d, %.1f ms", len(changes), version, (time.perf_counter() - start) * 1000
    )
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
    _shared_by_folder.clear()
    _shared_unusable.clear()


# --- one gallery per machine (recognition/shared_gallery.py) ---------------------

_shared_by_folder: dict = {}
_shared_unusable: set = set()


def _shared_key():
    from django.conf import settings
    from django.db import connection

    base = getattr(settings, "GALLERY_SHARED_DIR", "")
    return (base, connection.alias, str(connection.settings_dict["NAME"])) if base else None


def _shared():
    """The machine's shared gallery of this database, or None (a gallery per process)."""
    from django.conf import settings
    from django.db import connection

    key = _shared_key()
    if key is None or key in _shared_unusable:
        return None
    base = settings.GALLERY_SHARED_DIR
    shared = _shared_by_folder.get(key)
    if shared is None:
        shared = _shared_by_folder[key] = SharedGallery(Path(base) / _database_folder(connection))
    return shared


def _database_folder(connection):
    """A folder name for one database: a database dropped and created again under its name gets another."""
    d = connection.settings_dict
    token = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
            token = str(cursor.fetchone()[0])
    elif connection.vendor == "sqlite":
        try:
            status = os.stat(d["NAME"])
            token = f"{status.st_dev}.{status.st_ino}"  # the file, wherever it is named from
        except (OSError, TypeError):
            token = f"process-{os.getpid()}"  # an in-memory database is this process's alone
    name = f"{connection.vendor}-{d.get('HOST') or 'local'}-{d.get('PORT') or ''}-{Path(str(d['NAME'])).name}-{token}"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


class SharedGallery:
    """The policy around the machine's file: map the newest, and one process publishes the next."""

    def __init__(self, directory):
        self.store = shared_gallery.Store(directory)

    def holds(self, held):
        """Whether `held` is the newest: the current file (one stat) and its current record (a few reads)."""
        generation = getattr(held, "generation", None)
        return (
            generation is not None
            and generation.inode == self.store.inode()
            and generation.state()["generation"] == held.state["generation"]
        )

    def current(self, held, position, read_position, refresh):
        """The newest gallery for `position`: the published one when it is there, else one process
        (this one, if the lock is free) publishes it while the others answer from the one they hold."""
        store = self.store
        if not self.holds(held) and store.inode() is not None:
            held = self._mapped(held)
        if _at(held, position) and getattr(held, "generation", None) is not None:
            return held
        # nothing mapped yet: wait for the process loading it instead of loading a second copy
        if not store.lock(wait=getattr(held, "generation", None) is None):
            return held
        try:
            if not self.holds(held) and store.inode() is not None:
                held = self._mapped(held)
            position = read_position()
            if not (_at(held, position) and getattr(held, "generation", None) is not None):
                held = self._publish(held, position, refresh)
        finally:
            store.unlock()
        return held

    def _mapped(self, held):
        old = getattr(held, "generation", None)
        if old is not None and old.inode == self.store.inode():
            # the same file, changed in place: the rows this process knows kept their places
            state = old.state()
            return _from_generation(old, _nearest_kept(held._decision_people, old, state), state)
        return _from_generation(self.store.open())

    def _publish(self, held, position, refresh):
        store = self.store
        start = time.perf_counter()
        if getattr(held, "generation", None) is not None and not shared_gallery.writes_in_place():
            # not x86-64: the changes go to private arrays (the mapped ones are read-only, so with_people
            # copies them) and the whole new file below, never into the file readers map
            mapped, nearest = held.generation, dict(held._decision_people._nearest)
            if mapped.inode != store.inode():
                mapped, nearest = store.open(), {}  # the rows this process knows are another file's
            state = mapped.state()
            base = Gallery() if state["dirty"] else _from_generation(mapped, nearest, state)
            nxt = refresh(base, position)
            del base, mapped
        elif getattr(held, "generation", None) is not None:
            writable = store.writable()
            state = writable.state()
            if state["dirty"]:
                # a writer died half-way through its rows: the file is replaced, not trusted
                log.warning("gallery file left half-changed by a writer that stopped; writing it afresh")
                nxt = refresh(Gallery(), position)
            else:
                base = _from_generation(writable, dict(held._decision_people._nearest), state)
                nxt = refresh(_marking_dirty(base, writable), position)
                if _changed_in(base, nxt):
                    people = nxt._decision_people
                    state = writable.commit(
                        t_size=nxt._t_size,
                        t_live=nxt._t_live,
                        p_size=people.size,
                        p_live=people.live,
                        version=nxt.version,
                        change_id=nxt.change_id,
                    )
                    nearest = people._nearest
                    del base, nxt, people
                    mapped = held.generation if held.generation.inode == writable.inode else store.open()
                    published = _from_generation(mapped, nearest, mapped.state())
                    log.info(
                        "gallery published: generation %d, version %d, %.1f ms",
                        state["generation"],
                        published.version,
                        (time.perf_counter() - start) * 1000,
                    )
                    return published
                # grown past the spare rows, compacted or reloaded: a whole new file below
                del base
        else:
            nxt = refresh(held, position)
        previous = store.open().state() if store.inode() is not None else {"generation": 0}
        arrays, header, state = _arrays_of(nxt)
        state["generation"] = previous["generation"] + 1
        # which file this is: rows keep their places within it, so what is built on its rows (the
        # machine's short list, recognition/shortlist_file.py) is kept for it and never for another
        header["layout"] = state["generation"]
        header["written"] = time.time()
        store.write(arrays, header, state)
        nearest = nxt._decision_people._nearest
        del nxt, arrays
        published = _from_generation(store.open(), nearest)
        log.info(
            "gallery published: generation %d (whole file), version %d, %.0f ms",
            published.state["generation"],
            published.version,
            (time.perf_counter() - start) * 1000,
        )
        return published


def _marking_dirty(base, writable):
    """`base`, whose with_people marks the file dirty just before it writes the first row in place: a
    refresh that fails before (the database away) or reloads instead leaves the file as trusted as it was."""

    def with_people(changes, **kwargs):
        writable.begin()
        return Gallery.with_people(base, changes, **kwargs)

    base.with_people = with_people  # this object's alone: the class's method for every other gallery
    return base


def _changed_in(base, nxt):
    """Whether `nxt` is `base` with the changes written into base's own (the file's) arrays."""
    a, b = base._decision_people, nxt._decision_people
    return (
        nxt._t_matrix is base._t_matrix
        and nxt._t_labels is base._t_labels
        and b.ids is a.ids
        and b.centroids is a.centroids
        and b.templates is a.templates
        and b.sq_norms is a.sq_norms
    )


def _arrays_of(gallery):
    """A gallery's arrays, the file's fixed facts and its first record."""
    people = gallery._decision_people
    dim = gallery.dim
    arrays = {
        "t_matrix": gallery._t_matrix,
        "t_labels": gallery._t_labels,
        "ids": people.ids,
        "centroids": people.centroids,
        "templates": people.templates,
        "sq_norms": people.sq_norms,
    }
    header = {
        "dim": dim,
        "t_capacity": len(gallery._t_labels) if dim else 0,
        "p_capacity": len(people.ids) if dim else 0,
        "encoding_version": gallery.encoding_version,
    }
    state = {
        "t_size": gallery._t_size,
        "t_live": gallery._t_live,
        "p_size": people.size if dim else 0,
        "p_live": people.live if dim else 0,
        "version": gallery.version,
        "change_id": gallery.change_id,
    }
    return arrays, header, state


def _from_generation(generation, nearest=None, state=None):
    """A Gallery whose arrays are the mapped file's, as far as one record names them
    (read-only unless it is the writer's mapping)."""
    from recognition.decision import People

    h, a = generation.header, generation.arrays
    s = state if state is not None else generation.state()
    gallery = Gallery.__new__(Gallery)
    gallery.version, gallery.encoding_version, gallery.change_id = s["version"], h["encoding_version"], s["change_id"]
    gallery._t_matrix, gallery._t_labels = a["t_matrix"], a["t_labels"]
    gallery._t_size, gallery._t_live = s["t_size"], s["t_live"]
    gallery._views = None
    gallery.generation, gallery.state = generation, s
    live = h.get("sorted", 0)
    index = shared_gallery.Rows(
        a["sorted_ids"][:live], a["sorted_rows"][:live], a["ids"], h.get("appended_from", 0), s["p_size"]
    )
    people = People.from_rows(
        a["ids"], a["centroids"], a["templates"], a["sq_norms"], s["p_size"], s["p_live"], index, nearest or {}, None
    )
    people.shared = True  # its short list is the machine's (shortlist_file), never built per process
    # rows keep their places within one file: its time of writing names the short list it can use
    people.folder, people.layout = generation.path.parent, h.get("written")
    gallery._decision_people = people
    return gallery


def _nearest_kept(old_people, generation, state):
    """A process's look-alike distances still true in the file's next record."""
    sq = generation.arrays["sq_norms"]
    size = state["p_size"]
    kept = {
        row: (distance, other)
        for row, (distance, other) in old_people._nearest.items()
        if row < size and np.isfinite(sq[row]) and (other is None or np.isfinite(sq[other]))
    }
    appended = list(range(old_people.size, size))
    return _nearer_appended(kept, appended, generation.arrays["centroids"])
