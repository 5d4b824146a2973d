"""The short list of the machine's gallery file: built by one process, mapped by all.

With the gallery in one file per machine (recognition/shared_gallery.py), a
short list per process would cost each process its 8-bit copy again (128 MB
at a million people), the memory the file is there to save. So one process
builds it, in a thread (searches use the exact scan until it is there), and
saves it beside the gallery file as a faiss index; every process maps that
index read-only (faiss's IO_FLAG_MMAP_IFC), so its pages are counted once.

A pointer file (JSON, renamed into place last) names the index file and what
it was built on: the gallery file it was built from (its time of writing;
rows keep their places within a file, and a whole new file makes the short
list useless, never wrong, as it is then ignored) and how many rows it covers (the rows appended since are
scanned exactly, as in a process's own short list). Building takes a lock
file (flock, released by the kernel if the builder dies), so one process
builds while the others go on with the exact scan.
"""

import fcntl
import json
import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

POINTER = "shortlist.json"
LOCK = "shortlist.lock"
# a process that found the build taken, or failed, tries again after this many seconds
RETRY_SECONDS = 30.0

_lock = threading.Lock()
_held: dict = {}  # folder -> (pointer's text, ShortList) this process has mapped
_tried: dict = {}  # folder -> when this process last tried to build


def for_people(people):
    """The machine's short list for a mapped gallery's people, or None (the exact scan)."""
    from recognition import shortlist

    folder = getattr(people, "folder", None)
    if folder is None or people.size < shortlist.MIN_PEOPLE or shortlist._library() is None:
        return None
    short = _mapped(Path(folder), people.layout)
    if short is not None and short.worth_keeping(people):
        return short
    _build_soon(people, Path(folder))
    return short  # one built on fewer rows (the rest scanned exactly) or none, until the new one is there


def _mapped(folder, layout):
    from recognition import shortlist

    try:
        text = (folder / POINTER).read_text()
    except FileNotFoundError:
        return None
    held = _held.get(folder)
    if held is not None and held[0] == text:
        return held[1] if held[1] is not None and held[2] == layout else None
    fields = json.loads(text)
    short = None
    if fields.get("layout") == layout:
        try:
            short = shortlist.ShortList.mapped(folder / fields["index"], fields)
        except (RuntimeError, OSError):  # removed by a newer build between the two reads: next search
            return None
    _held[folder] = (text, short, fields.get("layout"))
    return short


def _build_soon(people, folder):
    from recognition import shortlist

    with _lock:
        if time.monotonic() - _tried.get(folder, -RETRY_SECONDS) < RETRY_SECONDS:
            return
        _tried[folder] = time.monotonic()
    if shortlist.BUILD_IN_BACKGROUND:
        threading.Thread(target=build, args=(people, folder), name="machine-short-list", daemon=True).start()
    else:
        build(people, folder)


def build(people, folder):
    """Build and publish the short list of these people's rows, unless another process is at it."""
    from recognition import shortlist

    handle = open(folder / LOCK, "a+b")  # noqa: SIM115 (held while building)
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another process builds it
        current = _mapped(folder, people.layout)
        if current is not None and current.worth_keeping(people):
            return  # built by another process meanwhile
        short = shortlist.ShortList(people.centroids, people.size)
        name = f"shortlist-{people.layout}-{short.size}-{os.getpid()}.index"
        fields = dict(short.save(folder / name), index=name, layout=people.layout)
        _publish(folder, fields)
        log.info("machine short list published: %d rows, layout %s", short.size, people.layout)
    except Exception:  # the exact scan goes on; say why once per try
        log.exception("machine short list: not built; searching with the exact scan")
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def _publish(folder, fields):
    index = folder / fields["index"]
    with open(index, "rb") as f:
        os.fsync(f.fileno())
    temporary = folder / f"{POINTER}.tmp-{os.getpid()}"
    temporary.write_text(json.dumps(fields, sort_keys=True))
    os.replace(temporary, folder / POINTER)
    # older indexes: a process that mapped one keeps its pages until it lets it go
    for old in folder.glob("shortlist-*.index"):
        if old.name != fields["index"]:
            old.unlink(missing_ok=True)


def forget():
    """Tests: this process maps nothing and has tried nothing."""
    _held.clear()
    _tried.clear()
