"""One gallery per machine: a file every worker process and camera runner maps read-only.

A private gallery per process cost 2 GB a process at a million people
(issue 24). Here the gallery (templates, average faces, person ids, the
log position) is one file per machine, in shared memory (/dev/shm) by
default; each process maps it read-only, so the pages are the page cache's,
counted once for the machine, and a process adds only what it computes for
itself (the look-alike distances of the people it has matched).

Generations: the file is never changed once published. When the change log
moves, the first process to notice takes the lock file (flock: released by
the kernel when its holder dies) and publishes the next generation: a copy
of the current file, the log's changes applied to the copy (retired rows
and appended rows, as recognition/gallery.py applies them in memory), then
fsync and a rename over the current name. A process killed before the
rename leaves the old generation in place, complete; its half-written copy
is removed by the next writer. The others keep answering from the
generation they hold meanwhile and notice the new one by its inode (one
stat per search), then map it; the old one's pages go when the last process
lets it go.

Rows keep their places across generations until a full rewrite (the
layout), so a process carries over the look-alike distances it knows and
the short list's index (its 8-bit copy, a file of its own, also mapped).

Django-free: the caller passes the log's position and a function that brings
a gallery to it (recognition/gallery.py).
"""

import fcntl
import json
import logging
import mmap
import os
import shutil
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAGIC = b"portal-gallery 1\n"
HEADER = 4096  # the header's room, and the alignment of every array (a page)
NAME = "gallery"
LOCK = "lock"
TEMPORARY = "gallery.tmp-"


def _layout(dim, t_capacity, p_capacity):
    """name -> (offset, dtype, shape) of every array in a file, and the file's size."""
    specs = [
        ("t_matrix", "<f4", (t_capacity, dim)),
        ("t_labels", "<i8", (t_capacity,)),
        ("ids", "<i8", (p_capacity,)),
        ("centroids", "<f4", (p_capacity, dim)),
        ("templates", "<i8", (p_capacity,)),
        ("sq_norms", "<f4", (p_capacity,)),
        # the live people's ids in order and their rows: a person's row by binary search,
        # instead of a dict of a million entries in every process
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
    """One published file, mapped (read-only unless it is a writer's copy not yet published)."""

    def __init__(self, path, *, writable=False):
        with open(path, "r+b" if writable else "rb") as handle:
            status = os.fstat(handle.fileno())
            self.inode = (status.st_dev, status.st_ino)
            access = mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ
            self._map = mmap.mmap(handle.fileno(), 0, access=access)
        self.path = Path(path)
        head = self._map[:HEADER]
        if not head.startswith(MAGIC):
            raise ValueError(f"{path}: not a gallery file")
        self.header = json.loads(head[len(MAGIC):].split(b"\0", 1)[0])
        h = self.header
        layout, size = _layout(h["dim"], h["t_capacity"], h["p_capacity"])
        if len(self._map) < size:
            raise ValueError(f"{path}: {len(self._map)} bytes, the header says {size}")
        self.arrays = {}
        for name, (offset, dtype, shape) in layout.items():
            count = int(np.prod(shape))
            array = np.frombuffer(self._map, dtype=dtype, count=count, offset=offset) if count else np.zeros(
                count, dtype=dtype)
            self.arrays[name] = array.reshape(shape)

    def write_header(self, header):
        self.header = header
        self._map[:HEADER] = _header_bytes(header)

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
    if len(data) >= HEADER:
        raise ValueError("gallery header too long")
    return data + b"\0" * (HEADER - len(data))


class SortedRows:
    """person id -> row, read from the file's sorted arrays; changes made in this process on top."""

    def __init__(self, ids, rows):
        self.ids, self.rows, self.changed = ids, rows, {}

    def get(self, person_id, default=None):
        if person_id in self.changed:
            row = self.changed[person_id]
            return default if row is None else row
        i = int(np.searchsorted(self.ids, person_id))
        if i < len(self.ids) and self.ids[i] == person_id:
            return int(self.rows[i])
        return default

    def __setitem__(self, person_id, row):
        self.changed[person_id] = row

    def pop(self, person_id, default=None):
        row = self.get(person_id, default)
        self.changed[person_id] = None
        return row


class Store:
    """The machine's gallery folder: the current generation, the lock, a writer's copy."""

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
        return True

    def unlock(self):
        handle, self._lock_handle = self._lock_handle, None
        if handle is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def _temporary(self):
        return self.directory / f"{TEMPORARY}{os.getpid()}"

    def copy(self):
        """A writable copy of the current generation, for the writer to change (never the published file)."""
        temporary = self._temporary()
        shutil.copyfile(self.path, temporary)
        return Generation(temporary, writable=True)

    def write(self, arrays, header):
        """A new file from whole arrays (a first load, a reload, a compaction), published."""
        layout, size = _layout(header["dim"], header["t_capacity"], header["p_capacity"])
        temporary = self._temporary()
        with open(temporary, "w+b") as handle:
            handle.truncate(size)
            handle.write(_header_bytes(header))
            for name, (offset, dtype, shape) in layout.items():
                source = arrays.get(name)
                if source is None or not int(np.prod(shape)):
                    continue
                handle.seek(offset)
                handle.write(np.ascontiguousarray(source, dtype=dtype).tobytes())
        generation = Generation(temporary, writable=True)
        header = dict(header, sorted=generation.sort_ids(header["p_size"]))
        generation.write_header(header)
        self.publish(generation)

    def publish(self, generation):
        """fsync the copy, then rename it over the current one: readers see the old or the new, whole."""
        generation.flush()
        with open(generation.path, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(generation.path, self.path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def new_header(previous, **fields):
    header = dict(previous or {})
    header.update(fields)
    header["generation"] = (previous or {}).get("generation", 0) + 1
    header["published"] = time.time()
    return header
