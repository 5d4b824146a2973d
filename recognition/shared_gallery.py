"""One gallery per machine: a file every worker process and camera runner maps read-only.

A private gallery per process cost 2 GB a process at a million people
(issue 24). Here the gallery (templates, average faces, person ids, the
log position) is one file per machine, in shared memory (/dev/shm) by
default; each process maps it read-only, so the pages are the page cache's,
counted once for the machine, and a process adds only what it computes for
itself (the look-alike distances of the people it has matched).

A change is written in place and costs its own rows. The arrays have spare
rows; a reader never looks past the sizes of the *record* it read (a few
numbers in the header page: sizes, log position, generation). The writer
(the process holding the lock file: flock, released by the kernel when its
holder dies) appends the changed people's rows past those sizes, marks
their old rows retired (one value each: an infinite squared norm, a
template's person -1; a search sees the row or its retirement, never half
of it), and only then writes the next record: into the one of two record slots
readers are not reading, under a sequence number (odd while it is
written; a reader that sees it odd or changed reads again), then points
readers to it. So a reader sees a row only after it is whole. x86-64 keeps stores in
program order, which the order above relies on (tests/recognition/
test_shared_gallery.py checks it with a reader and a writer in separate
processes). On any other CPU (writes_in_place() false) nothing is written in place:
every change is a whole new file, as below, whose rename orders it for any CPU.

A whole new file (temporary name, fsync, rename: readers notice the new
inode, one stat per search) only when the spare rows run out, when too
many rows are retired (a compaction), on a reload (first start, encoding
version switch, a log that no longer reaches back), or when the file is
marked *dirty*: a writer sets that flag before its first in-place write
and the record clears it, so a writer that died half-way leaves a file the
next writer replaces instead of trusting.

Rows keep their places within a file, so a process carries the look-alike
distances it knows from one record to the next (dropped for people
changed, compared with the people appended).

Django-free: the caller passes the log's position and a function that brings
a gallery to it (recognition/gallery.py).
"""

import fcntl
import json
import logging
import mmap
import os
import platform
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAGIC = b"portal-gallery 2\n"
HEADER = 4096  # the header's room, and the alignment of every array (a page)
NAME = "gallery-v2"
OLD_NAMES = ("gallery",)  # files of an earlier layout: removed by the next writer
LOCK = "lock"
TEMPORARY = "gallery.tmp-"


def writes_in_place():
    """Whether a change may be written into the file readers map: rows, then the record naming them.

    That order holds for another core only if the CPU keeps stores in program order, as x86-64 does;
    ARM or POWER may show the record before the rows. There every change is a whole new file (written,
    fsynced, renamed): the kernel orders it for every process that opens the name afterwards.
    """
    return platform.machine().lower() in {"x86_64", "amd64"}


# the record: what changes with each generation, int64 values at RECORD_AT in the header page (the
# file's fixed facts are JSON before it): [active slot, dirty, slot 0, slot 1], a slot being [seq, *FIELDS].
# The writer fills the slot readers are not told to read, then points them to it: a writer killed
# half-way through a slot leaves readers on the other one, whole (with one slot, a reader would wait
# for ever on a dead writer's odd seq).
RECORD_AT = 3072
FIELDS = ("generation", "t_size", "t_live", "p_size", "p_live", "version", "change_id", "published_us")
SLOT = 1 + len(FIELDS)


def _layout(dim, t_capacity, p_capacity):
    """name -> (offset, dtype, shape) of every array in a file, and the file's size."""
    specs = [
        ("t_matrix", "<f4", (t_capacity, dim)),
        ("t_labels", "<i8", (t_capacity,)),
        ("ids", "<i8", (p_capacity,)),
        ("centroids", "<f4", (p_capacity, dim)),
        ("templates", "<i8", (p_capacity,)),
        ("sq_norms", "<f4", (p_capacity,)),
        # the live people's ids in order and their rows when the file was written: a person's row
        # by binary search (people appended since are found among the appended rows), instead of
        # a dict of a million entries in every process
        ("sorted_ids", "<i8", (p_capacity,)),
        ("sorted_rows", "<i8", (p_capacity,)),
    ]
    layout, offset = {}, HEADER
    for name, dtype, shape in specs:
        nbytes = int(np.dtype(dtype).itemsize * int(np.prod(shape)))
        layout[name] = (offset, dtype, shape)
        offset += -(-nbytes // HEADER) * HEADER
    return layout, offset


class Generation:
    """One file, mapped (read-only, or writable for the writer holding the lock)."""

    def __init__(self, path, *, writable=False):
        with open(path, "r+b" if writable else "rb") as handle:
            status = os.fstat(handle.fileno())
            self.inode = (status.st_dev, status.st_ino)
            access = mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ
            self._map = mmap.mmap(handle.fileno(), 0, access=access)
        self.path = Path(path)
        head = self._map[:RECORD_AT]
        if not head.startswith(MAGIC):
            raise ValueError(f"{path}: not a gallery file of this layout")
        self.header = json.loads(head[len(MAGIC) :].split(b"\0", 1)[0])  # fixed for the file's life
        h = self.header
        layout, size = _layout(h["dim"], h["t_capacity"], h["p_capacity"])
        if len(self._map) < size:
            raise ValueError(f"{path}: {len(self._map)} bytes, the header says {size}")
        self._record = np.frombuffer(self._map, dtype="<i8", count=2 + 2 * SLOT, offset=RECORD_AT)
        self.arrays = {}
        for name, (offset, dtype, shape) in layout.items():
            count = int(np.prod(shape))
            array = (
                np.frombuffer(self._map, dtype=dtype, count=count, offset=offset)
                if count
                else np.zeros(count, dtype=dtype)
            )
            self.arrays[name] = array.reshape(shape)

    def _slot(self, number):
        return self._record[2 + number * SLOT : 2 + (number + 1) * SLOT]

    def state(self):
        """The current record (generation, sizes, log position, dirty): never half of one write, half of the next."""
        record = self._record
        while True:
            active = int(record[0])
            slot = self._slot(active)
            seq = int(slot[0])
            # odd: the writer is filling this slot, after two publications during this read; read again
            if seq % 2 == 0:
                values = slot.tolist()
                dirty = int(record[1])
                if int(slot[0]) == seq and int(record[0]) == active:
                    return dict(zip(FIELDS, values[1:], strict=True), dirty=dirty)
            os.sched_yield()

    def begin(self):
        """Mark the file as being changed in place (the writer, before its first in-place write)."""
        self._record[1] = 1

    def commit(self, **state):
        """The next generation: rows already written, this record makes them visible."""
        record = self._record
        values = dict(self.state(), **state)
        values.update(generation=values["generation"] + 1, published_us=int(time.time() * 1e6))
        self.flush()  # on a disk folder, the rows reach the disk before the record that names them
        target = 1 - int(record[0])
        slot = self._slot(target)
        seq = int(slot[0])
        slot[0] = seq + 1  # odd: a reader still on this slot (two publications ago) reads again
        slot[1:] = [values[name] for name in FIELDS]
        slot[0] = seq + 2
        record[0] = target
        record[1] = 0
        self.flush()
        return dict(values, dirty=0)

    def sort_ids(self, size):
        """The sorted index of the live people (rows whose squared norm is finite); how many."""
        a = self.arrays
        live = np.flatnonzero(np.isfinite(a["sq_norms"][:size]))
        order = np.argsort(a["ids"][live], kind="stable")
        a["sorted_ids"][: len(live)] = a["ids"][live][order]
        a["sorted_rows"][: len(live)] = live[order]
        return len(live)

    def flush(self):
        self._map.flush()


def _header_bytes(header):
    data = MAGIC + json.dumps(header, sort_keys=True).encode()
    if len(data) >= RECORD_AT:
        raise ValueError("gallery header too long")
    return data + b"\0" * (RECORD_AT - len(data))


class Rows:
    """person id -> row: the file's sorted index, then the rows appended since; changes of this process on top.

    The latest row of a person is the one that counts (an appended row
    follows the retired one it replaces); whether it is live is the squared
    norm's to say (decision.People.row).
    """

    def __init__(self, sorted_ids, sorted_rows, ids, appended_from, size):
        self.sorted_ids, self.sorted_rows = sorted_ids, sorted_rows
        self.ids, self.appended_from, self.size = ids, appended_from, size
        self.changed = {}

    def get(self, person_id, default=None):
        if person_id in self.changed:
            row = self.changed[person_id]
            return default if row is None else row
        if self.size > self.appended_from:
            found = np.flatnonzero(self.ids[self.appended_from : self.size] == person_id)
            if len(found):
                return self.appended_from + int(found[-1])
        i = int(np.searchsorted(self.sorted_ids, person_id))
        if i < len(self.sorted_ids) and self.sorted_ids[i] == person_id:
            return int(self.sorted_rows[i])
        return default

    def __setitem__(self, person_id, row):
        self.changed[person_id] = row

    def pop(self, person_id, default=None):
        row = self.get(person_id, default)
        self.changed[person_id] = None
        return row


class Store:
    """The machine's gallery folder: the current file, the lock, a writer's mapping and new files."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / NAME
        self._lock_handle = None

    def inode(self):
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (status.st_dev, status.st_ino)

    def open(self):
        return Generation(self.path)

    def writable(self):
        """The current file mapped for writing in place (the lock holder only).

        Mapped afresh each time (a map costs no copy): a mapping kept would keep
        a replaced file's pages in /dev/shm for as long as this process lives.
        """
        return Generation(self.path, writable=True)

    def lock(self, *, wait):
        """True when this process is now the writer; wait: until the writer before it is done."""
        handle = open(self.directory / LOCK, "a+b")  # noqa: SIM115 (held until unlock)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            return False
        self._lock_handle = handle
        # only the writer writes: a copy left here is a writer's that died before publishing it
        for left in self.directory.glob(TEMPORARY + "*"):
            left.unlink(missing_ok=True)
        for old in OLD_NAMES:
            (self.directory / old).unlink(missing_ok=True)
        return True

    def unlock(self):
        handle, self._lock_handle = self._lock_handle, None
        if handle is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def _temporary(self):
        return self.directory / f"{TEMPORARY}{os.getpid()}"

    def write(self, arrays, header, state):
        """A new file from whole arrays (a first load, a reload, a compaction), published."""
        layout, size = _layout(header["dim"], header["t_capacity"], header["p_capacity"])
        temporary = self._temporary()
        with open(temporary, "w+b") as handle:
            # every block now: a full /dev/shm is an error here, not a SIGBUS at a later write through the map
            os.posix_fallocate(handle.fileno(), 0, size)
            for name, (offset, dtype, shape) in layout.items():
                source = arrays.get(name)
                if source is None or not int(np.prod(shape)):
                    continue
                handle.seek(offset)
                handle.write(np.ascontiguousarray(source, dtype=dtype).tobytes())
        with open(temporary, "r+b") as handle:
            # the index needs the arrays mapped; the header and record then name what is there
            arrays_only = mmap.mmap(handle.fileno(), 0)
            try:
                ids = np.frombuffer(arrays_only, dtype="<i8", count=header["p_capacity"], offset=layout["ids"][0])
                sq = np.frombuffer(arrays_only, dtype="<f4", count=header["p_capacity"], offset=layout["sq_norms"][0])
                live = np.flatnonzero(np.isfinite(sq[: state["p_size"]]))
                order = np.argsort(ids[live], kind="stable")
                for name, values in (("sorted_ids", ids[live][order]), ("sorted_rows", live[order])):
                    np.frombuffer(arrays_only, dtype="<i8", count=len(values), offset=layout[name][0])[:] = values
                del ids, sq
                header = dict(header, sorted=len(live), appended_from=state["p_size"])
                arrays_only[:RECORD_AT] = _header_bytes(header)
                record = dict(state, published_us=int(time.time() * 1e6))
                # slot 0 active and filled (seq 0), not dirty; slot 1 empty
                arrays_only[RECORD_AT : RECORD_AT + 8 * (2 + SLOT)] = np.array(
                    [0, 0, 0] + [record[name] for name in FIELDS], dtype="<i8"
                ).tobytes()
                arrays_only.flush()
            finally:
                arrays_only.close()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
