"""A faster first pass over the average faces, with exactly the exact scan's answers.

The exact scan reads every average face (512 bytes each in float32): at a
million people it is bound by memory bandwidth. The short list keeps a copy
in 8 bits a value (a quarter of the bytes), finds the K nearest in it, and
measures those exactly in float32. One step for every value (not one per
dimension) lets faiss read the bytes as they are (`QT_8bit_direct`): twice as
fast as its per-dimension 8-bit codes at a million people, measured on 2 cores. It knows how far
any 8-bit copy is from its original (the largest reconstruction error,
measured when it is built), so by the triangle inequality no row outside the
K can be nearer than (K-th approximate distance - that error). When that
bound is above the exact second-nearest found, the two nearest are proven;
when not (a crowded neighbourhood), the search falls back to the exact scan.
Either way the answer is the exact scan's.

Built once a gallery is large enough to gain from it, and never changed:
people appended later are scanned exactly beside it, people retired are
infinitely far in the exact measurement, and when the unindexed tail grows
the next search rebuilds it. Without faiss installed, the exact scan alone.
"""

import logging
import threading
import time

import numpy as np

from recognition import shortlist_file as machine

log = logging.getLogger(__name__)

_faiss = []


def _library():
    """faiss, imported on the first large gallery (small setups never load it); None when not installed."""
    if not _faiss:
        try:
            import faiss

            faiss.omp_set_num_threads(1)  # one search at a time per worker; processes are the parallelism
        except ImportError:  # the exact scan alone
            faiss = None
        _faiss.append(faiss)
    return _faiss[0]


# below this many people the exact scan takes a few milliseconds: nothing to gain
MIN_PEOPLE = 50_000
# how many nearest of the 8-bit copy are measured exactly
K = 32
# rows appended since the build, scanned exactly beside it, before a rebuild
TAIL_MAX_SHARE, TAIL_MAX_MIN = 1 / 16, 20_000
# float32 rounding of the two distance computations, well above their worst case
SLACK = 1e-4
# rows coded at a time while building
CHUNK = 65_536

_build_lock = threading.Lock()


class ShortList:
    def __init__(self, centroids, size):
        faiss = _library()
        start = time.perf_counter()
        rows = centroids[:size]
        self.size = size
        self.low = float(rows.min()) if size else 0.0
        self.step = (float(rows.max()) - self.low) / 255 if size else 1.0
        self.step = self.step or 1.0
        self.index = faiss.IndexScalarQuantizer(rows.shape[1], faiss.ScalarQuantizer.QT_8bit_direct, faiss.METRIC_L2)
        self.error = 0.0
        for start_row in range(0, size, CHUNK):  # a chunk at a time: no float copy of the whole gallery
            chunk = np.asarray(rows[start_row : start_row + CHUNK], dtype=np.float32)
            codes = np.clip(np.rint((chunk - self.low) / self.step), 0, 255).astype(np.float32)
            self.index.add(codes)
            errors = np.linalg.norm(codes * np.float32(self.step) + np.float32(self.low) - chunk, axis=1)
            self.error = max(self.error, float(errors.max()))
        self.build_seconds = time.perf_counter() - start
        self.proven = self.fallbacks = 0  # how often the bound held (the benchmark and tests read them)
        log.info(
            "short list built: %d people, 8-bit error at most %.4f, %.0f ms",
            size,
            self.error,
            self.build_seconds * 1000,
        )

    @classmethod
    def mapped(cls, path, fields):
        """A short list another process built and saved (shortlist_file): its codes mapped read-only."""
        faiss = _library()
        short = cls.__new__(cls)
        short.index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
        short.size, short.low, short.step, short.error = fields["size"], fields["low"], fields["step"], fields["error"]
        short.build_seconds, short.proven, short.fallbacks = fields.get("build_seconds", 0.0), 0, 0
        return short

    def save(self, path):
        """The 8-bit codes as a faiss index file (the caller publishes it); what mapped() needs besides."""
        _library().write_index(self.index, str(path))
        return {
            "size": self.size,
            "low": self.low,
            "step": self.step,
            "error": self.error,
            "build_seconds": round(self.build_seconds, 3),
        }

    def worth_keeping(self, people):
        """Whether the rows appended since the build are still few enough to scan exactly beside it."""
        return people.size - self.size <= max(TAIL_MAX_MIN, self.size * TAIL_MAX_SHARE)

    def nearest_two(self, people, probe, *, exclude_row=None):
        """(best row, distance, second distance) exactly as the full scan finds them; None: scan it all."""
        probe = np.asarray(probe, dtype=np.float32).reshape(1, -1)
        approx, rows = self.index.search((probe - np.float32(self.low)) / np.float32(self.step), K)
        approx = approx * np.float32(self.step * self.step)  # back from steps to squared distances
        rows = rows[0][rows[0] >= 0]
        tail = np.arange(self.size, people.size)
        candidates = np.concatenate([rows, tail]) if len(tail) else rows
        exact = _exact(people, probe[0], candidates)
        if exclude_row is not None:
            exact[candidates == exclude_row] = np.inf
        if len(exact) < 2:
            self.fallbacks += 1
            return None
        order = np.argsort(exact, kind="stable")[:2]
        best, second = float(exact[order[0]]), float(exact[order[1]])
        if not np.isfinite(second):
            self.fallbacks += 1
            return None
        # every row not measured is at least this far (the K-th of the copy, less its error)
        bound = float(np.sqrt(max(float(approx[0][-1]), 0.0))) - self.error - SLACK
        if len(rows) < K or bound <= second:
            self.fallbacks += 1
            return None
        self.proven += 1
        # equal distances: the full scan's argmin takes the lowest row; so does this
        best_row = int(candidates[order[0]])
        ties = candidates[exact == best]
        return int(ties.min()) if len(ties) > 1 else best_row, best, second


def _exact(people, probe, rows):
    """The exact scan's own arithmetic on some rows (the same float32 steps, so the same numbers)."""
    centroids = people.centroids[rows]
    squared = centroids @ probe
    squared *= -2.0
    squared += people.sq_norms[rows]
    squared += np.float32(probe @ probe)
    np.maximum(squared, 0.0, out=squared)
    return np.sqrt(squared, out=squared)


# built beside the searches, which use the exact scan (the same answers) until it is ready:
# 37 s at a million people on a loaded machine is not a wait for a door
BUILD_IN_BACKGROUND = True


def for_people(people):
    """The people's short list, built or rebuilt when worth it; None: use the exact scan."""
    if getattr(people, "shared", False):
        return machine.for_people(people)  # the machine's, a file beside the gallery file
    if people.size < MIN_PEOPLE or _library() is None:
        return None
    short = people.short_list
    if short is not None and short.worth_keeping(people):
        return short
    with _build_lock:
        if people.short_list is not short or getattr(people, "_short_list_building", False):
            return people.short_list
        people._short_list_building = True
    if not BUILD_IN_BACKGROUND:
        _build(people)
        return people.short_list
    threading.Thread(target=_build, args=(people,), name="gallery-short-list", daemon=True).start()
    return short  # the old one (its tail scanned exactly) or none, until the new one is ready


def _build(people):
    try:
        people.short_list = ShortList(people.centroids, people.size)
    except Exception:  # the exact scan goes on; say why once
        log.exception("short list: not built; searching with the exact scan")
    finally:
        people._short_list_building = False
