"""5. Memory: resident memory of a worker idle and with 100,000 templates loaded.

A real `celery worker --concurrency 1` on PostgreSQL with 100,000 people
enrolled (bulk-inserted). Its processes are measured after start (dlib's
models loaded once in the parent, before the pool forks), then after a few
captures (the pool process that searches has loaded the gallery). The log
shows how often the gallery was loaded: once, however many captures.

The plain way's figure: a process that imported face_recognition and holds
the same encodings as a Python list of arrays, as face_recognition's examples do.
"""

import subprocess
import sys

from bench import capture as capture_bench
from bench import common, stack

PLAIN = """
import sys, numpy as np, face_recognition
from bench.common import rss_mb
matrix = np.load(sys.argv[1])
idle = rss_mb()
known = [row.astype("float64") for row in matrix]
print(idle, rss_mb())
"""


def plain_rss(matrix):
    import tempfile

    common.RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".npy", dir=common.RESULTS) as handle:
        import numpy as np

        np.save(handle, matrix)
        handle.flush()
        out = subprocess.run(
            [sys.executable, "-c", PLAIN, handle.name], cwd=common.ROOT, check=True, capture_output=True, text=True
        ).stdout.split()
    return {"idle_mb": float(out[0]), "loaded_mb": float(out[1])}


def run(people=100_000, captures=5):
    names, real, frames = capture_bench.frames_for(captures)
    matrix, _ = common.gallery_arrays(people, real)
    results = {"people_enrolled": people, "captures": captures}
    with stack.running(production=True, matrix=matrix, names=names) as running:
        proc = running.start_worker(concurrency=1)
        parent, pool = running.worker_rss(proc)
        results["idle"] = {"parent_mb": parent, "pool_mb": pool}
        kiosk = stack.Kiosk(running.url)
        seconds = [kiosk.capture(frame)[0] for frame in frames]
        parent, pool = running.worker_rss(proc)
        results["loaded"] = {"parent_mb": parent, "pool_mb": pool}
        results["capture_ms"] = [round(s * 1000) for s in seconds]
        results["gallery_loads"] = running.gallery_loads("worker1")
    results["plain"] = plain_rss(matrix)
    report(results)
    return common.save("memory", results)


def report(r):
    idle, loaded, plain = r["idle"], r["loaded"], r["plain"]
    common.show(
        f"memory (RSS, MB): worker with {r['people_enrolled']:,} people enrolled",
        [
            ("worker pool process, idle", idle["pool_mb"][0], plain["idle_mb"], None),
            (
                "worker pool process, gallery loaded",
                loaded["pool_mb"][0],
                plain["loaded_mb"],
                common.ratio(plain["loaded_mb"], loaded["pool_mb"][0]),
            ),
            ("worker main process (loaded)", loaded["parent_mb"], None, None),
        ],
    )
    print(
        f"gallery loads in the worker over {r['captures']} captures: {r['gallery_loads']}; "
        f"capture ms (first loads the gallery): {r['capture_ms']}"
    )
