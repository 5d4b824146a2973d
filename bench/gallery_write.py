"""`python -m bench.gallery_write [--people N] [--changes K]`: what one person's change costs the machine's
gallery file (recognition/shared_gallery.py) written in place (x86-64) and as a whole new file (any other
CPU, forced here by making platform.machine() answer aarch64). One process, no database: the writer's own
time from a change to its publication, in a folder in /dev/shm removed afterwards.
"""

import argparse
import os
import shutil
import tempfile
import time

import django
import numpy as np

DIM = 128


def run(people, changes):
    from recognition import gallery, shared_gallery

    rng = np.random.default_rng(1)
    faces = rng.standard_normal((people, DIM)).astype(np.float32)
    faces /= np.linalg.norm(faces, axis=1, keepdims=True) * 2

    def refresh(held, position):
        v = position[0]
        if held.version < 0 or not held.dim:
            labels = np.repeat(np.arange(1, people + 1), 2)
            matrix = np.repeat(faces, 2, axis=0) + rng.standard_normal((2 * people, DIM)).astype(np.float32) * 0.01
            return gallery.Gallery(matrix, labels, version=v, change_id=v)
        rows = faces[v - 1] + rng.standard_normal((2, DIM)).astype(np.float32) * 0.01  # person v: new templates
        return held.with_people({v: rows}, version=v, change_id=v)

    machine = shared_gallery.platform.machine
    try:
        for cpu in ("x86_64", "aarch64"):
            shared_gallery.platform.machine = lambda cpu=cpu: cpu
            shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
            folder = tempfile.mkdtemp(prefix="bench-gallery-write-", dir=shm)
            try:
                shared = gallery.SharedGallery(folder)
                held = shared.current(gallery.Gallery(), (0, 0, ""), lambda: (0, 0, ""), refresh)
                times = []
                for v in range(1, changes + 1):
                    position = (v, v, "")
                    start = time.perf_counter()
                    held = shared.current(held, position, lambda position=position: position, refresh)
                    times.append((time.perf_counter() - start) * 1000)
                print(
                    f"{cpu}: {people:,} people, one person's change to its publication, ms: "
                    + " ".join(f"{t:.0f}" for t in times),
                    flush=True,
                )
                del held, shared
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        shared_gallery.platform.machine = machine


def main():
    p = argparse.ArgumentParser(prog="python -m bench.gallery_write", description=__doc__)
    p.add_argument("--people", type=int, default=100_000)
    p.add_argument("--changes", type=int, default=5)
    args = p.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    run(args.people, args.changes)


if __name__ == "__main__":
    main()
