"""The open review entries' mean encodings, held in the process: finding the nearest reads only what changed.

A sighting of an unknown face needs the open entry whose mean encoding is
nearest. Reading every open entry per sighting costs O(open entries): at
10,000 entries, 5 MB from PostgreSQL and most of a sighting's time. Here each
process keeps the open entries of an encoding version as one matrix and, per
sighting, reads only the rows written since its last read.

"Since its last read", on PostgreSQL: a trigger stamps every written row with
the id of the transaction that wrote it (`UnknownFace.changed`), and each read
first takes a snapshot of which transactions have finished. A transaction that
commits after that snapshot was either still running at that moment (its id is
in the snapshot's list) or started later (its id is at least the snapshot's
xmax), so the next read asks for exactly those rows. Commit order does not
matter, which a plain counter would get wrong: a lower number committed after a
higher one was read is never read.

The lookup only proposes: the caller locks the proposed entry's row and checks
it is still open (portal.review.services). A deleted entry (retention, an
erasure) leaves no stamped row: it is forgotten when it is proposed and its
row is found missing, and the whole list is read again every
FULL_READ_SECONDS, so rows deleted unseen do not pile up.

Each read is its own statement in Django's READ COMMITTED, so every read
under the lock sees at least what the one before saw. SQLite (one writer at a
time, the development default) reads every open entry per sighting, as before.
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models import Q

from portal.review.models import UnknownFace

FULL_READ_SECONDS = 3600


@dataclass(frozen=True)
class Nearest:
    pk: int
    # float32, as the distances were when every entry was read: compared with the reach the same way
    distance: np.float32


@dataclass
class _Open:
    """One encoding version's open entries: a dense matrix (a closed entry's row takes the last one's place)."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    row: dict[int, int] = field(default_factory=dict)
    count: int = 0
    # the next read asks for rows written by these transactions (running at the last snapshot) or later ones
    xmax: int = 0
    running: list[int] = field(default_factory=list)
    # rows read as this process's own transaction had written them, not committed then: read again
    # next time (committed, changed again, or gone if that transaction rolled back)
    own: set[int] = field(default_factory=set)
    read_at: float = 0.0

    def put(self, pk: int, vector: np.ndarray) -> None:
        at = self.row.get(pk)
        if at is None:
            if self.count == len(self.ids):
                self._grow(len(vector))
            at = self.count
            self.count += 1
            self.row[pk] = at
            self.ids[at] = pk
        self.matrix[at] = vector

    def drop(self, pk: int) -> None:
        at = self.row.pop(pk, None)
        if at is None:
            return
        last = self.count - 1
        if at != last:
            self.ids[at] = self.ids[last]
            self.matrix[at] = self.matrix[last]
            self.row[int(self.ids[at])] = at
        self.count = last

    def _grow(self, width: int) -> None:
        size = max(64, 2 * len(self.ids))
        ids = np.zeros(size, dtype=np.int64)
        matrix = np.zeros((size, width), dtype=np.float32)
        if self.count:
            ids[: self.count] = self.ids[: self.count]
            matrix[: self.count] = self.matrix[: self.count]
        self.ids, self.matrix = ids, matrix

    def nearest(self, encoding: np.ndarray) -> Nearest | None:
        if not self.count:
            return None
        # the same float32 arithmetic as reading them all: the same distances, the same entry
        distances = np.linalg.norm(self.matrix[: self.count] - encoding, axis=1)
        best = int(np.argmin(distances))
        return Nearest(pk=int(self.ids[best]), distance=distances[best])


_held: dict[tuple[str, str, str, str], _Open] = {}
# threads of one process (the benchmark's writers, a threaded worker) share the matrix: one reads at a time
_lock = threading.Lock()


def nearest(*, version: str, encoding: np.ndarray) -> Nearest | None:
    """The open entry of this encoding version nearest to an encoding, as committed now; None when none is open."""
    if connection.vendor != "postgresql":
        ids, distances = read_all(_open_entries(version), encoding)
        if not ids:
            return None
        best = int(np.argmin(distances))
        return Nearest(pk=ids[best], distance=distances[best])
    with _lock:
        state = _held.get(_key(version))
        if state is None or time.monotonic() - state.read_at > FULL_READ_SECONDS:
            state = _held[_key(version)] = _read_every(version)
        else:
            _read_changes(state, version)
        return state.nearest(encoding)


def forget(*, version: str, pk: int) -> None:
    """An entry proposed but no longer open (decided, erased, rolled back): not proposed again unless reopened."""
    with _lock:
        state = _held.get(_key(version))
        if state is not None:
            state.drop(pk)
            state.own.discard(pk)


def read_all(entries, encoding: np.ndarray) -> tuple[list[int], np.ndarray]:
    """(ids, distances) of these entries' mean encodings from one encoding, read in one query."""
    rows = list(entries.values_list("id", "encoding"))
    if not rows:
        return [], np.zeros(0, dtype=np.float32)
    ids = [pk for pk, _ in rows]
    matrix = np.frombuffer(b"".join(bytes(enc) for _, enc in rows), dtype=np.float32).reshape(len(rows), -1)
    return ids, np.linalg.norm(matrix - encoding, axis=1)


def _open_entries(version):
    return UnknownFace.objects.filter(status=UnknownFace.Status.OPEN, encoding_version=version).order_by()


def _key(version: str) -> tuple[str, str, str, str]:
    # per database: a test run's database, or another one this process was pointed at, is another list
    settings = connection.settings_dict
    return (str(settings["HOST"]), str(settings["PORT"]), str(settings["NAME"]), version)


def _snapshot() -> tuple[int, list[int], int | None]:
    """Which transactions have finished, taken before a read: (xmax, the ones running, this one's id if any)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmax(s)::text::bigint,"
            " ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x),"
            " pg_current_xact_id_if_assigned()::text::bigint"
            " FROM pg_current_snapshot() AS s"
        )
        xmax, running, mine = cursor.fetchone()
    return xmax, list(running), mine


def _read_every(version: str) -> _Open:
    state = _Open(read_at=time.monotonic())
    state.xmax, state.running, mine = _snapshot()
    _apply(state, list(_open_entries(version).values_list("id", "status", "encoding", "changed")), mine)
    return state


def _read_changes(state: _Open, version: str) -> None:
    xmax, running, mine = _snapshot()
    changed = Q(changed__gte=state.xmax) | Q(changed__in=state.running) | Q(pk__in=state.own)
    if mine is not None:
        # this transaction's own writes (a test, or an outer transaction recording several sightings):
        # its id is below xmax and not in the running list, yet its rows are what it sees
        changed |= Q(changed=mine)
    rows = list(
        UnknownFace.objects.filter(changed, encoding_version=version).values_list("id", "status", "encoding", "changed")
    )
    # the rows read, then the new position: a read that fails leaves the old position, to be read again
    for pk in state.own - {row[0] for row in rows}:
        state.drop(pk)  # our own transaction's row, rolled back since
        state.own.discard(pk)
    _apply(state, rows, mine)
    state.xmax, state.running = xmax, running


def _apply(state: _Open, rows, mine: int | None) -> None:
    for pk, status, encoding, changed in rows:
        if mine is not None and changed == mine:
            state.own.add(pk)
        else:
            state.own.discard(pk)
        if status == UnknownFace.Status.OPEN:
            state.put(pk, np.frombuffer(bytes(encoding), dtype=np.float32))
        else:
            state.drop(pk)
