"""The unknown-face review list at `entries` open entries with `writers` workers recording
sightings at once (issue 24): the time per sighting, deadlocks, duplicate entries.

In a PostgreSQL database of its own (dropped afterwards): `entries` open entries of strangers
far from each other (random faces at the spread of real encodings), then first one writer alone
(the quiet figure), then `writers` threads with their own connections, started together, each
recording `sightings` sightings. Both twice in one run, so the ratio is measured on one load:
first with the nearest entry found as the code before did (every open entry read per
sighting), then as it is (the open entries held in the process, only what changed read; the
first sighting reads them all). The sightings: a third new strangers (an entry opened: the
step that takes the opening lock), a third sightings of open entries (the entry joined: its
row locked), a third strangers that every writer sees at the same moments (the race that must
still end in one entry each). Every sighting is timed from the call to its commit.
"""

import json
import time

from bench import common, stack


def run(entries=10_000, writers=4, sightings=60):
    figures = stack.database_child(__name__, {"entries": entries, "writers": writers, "sightings": sightings})
    report(figures)
    return common.save("review", figures)


def report(f):
    print(f"\n== review list: {f['entries']:,} open entries (made in {f['build_seconds']} s)")
    for name, part in f["runs"].items():
        times = f"median {part['median_ms']:>7.1f} ms  p95 {part['p95_ms']:>7.1f} ms  max {part['max_ms']:>7.1f} ms"
        print(f"{name:<42} {part['n']:>4} x  {times}")
    print(f"deadlocks {f['deadlocks']}, other errors {f['errors']}, duplicate entries {f['duplicates']}")


def child():
    options = stack.child_options()
    start = time.perf_counter()
    _build(options["entries"])
    build = time.perf_counter() - start
    print(json.dumps({**options, "build_seconds": round(build, 1), **_measure(options)}))


SPREAD = 0.09  # per coordinate: random faces about 1.4 apart, like strangers' real encodings


def _face(rng):
    import numpy as np

    return rng.normal(0, SPREAD, 128).astype(np.float32)


def _build(entries):
    import numpy as np
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from portal.review.models import UnknownFace

    rng = np.random.default_rng(24)
    now = timezone.now()
    UnknownFace.objects.bulk_create(
        [
            UnknownFace(
                encoding=_face(rng).tobytes(),
                encoding_version=settings.FACE_ENCODING_VERSION,
                seen=1,
                first_seen=now,
                last_seen=now,
                picture=b"\xff\xd8" + bytes(2000),  # about the size of a face picture
            )
            for _ in range(entries)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _sighting(face, rng):
    import numpy as np
    from django.utils import timezone

    from recognition.sightings import Sighting

    encoding = (face + rng.normal(0, 0.01, face.shape)).astype(np.float32)
    return Sighting(at=timezone.now(), source="camera", unknown_face=encoding.tobytes(), face_picture=b"jpeg")


def _measure(options):
    import threading
    from contextlib import contextmanager

    import numpy as np
    from django.db import OperationalError, connection

    from portal.review import open_faces
    from portal.review.models import UnknownFace
    from portal.review.services import unknown_face_record

    rng = np.random.default_rng(7)
    stored = UnknownFace.objects.values_list("encoding", flat=True)[:2000]
    open_faces_seen = [np.frombuffer(bytes(e), dtype=np.float32) for e in stored]
    failures = {"deadlocks": 0, "errors": 0}
    every_shared = []

    def plan(seed, count, shared):
        mine = np.random.default_rng(seed)
        faces = []
        for n in range(count):
            kind = n % 3 if shared else n % 2
            if kind == 0:
                faces.append(_face(mine))  # a new stranger
            elif kind == 1:
                faces.append(open_faces_seen[int(mine.integers(len(open_faces_seen)))])  # an open entry seen again
            else:
                faces.append(shared[(n // 3) % len(shared)])  # the stranger every writer sees now
        return faces, mine

    def record(faces, mine, times, start=None):
        try:
            if start is not None:
                start.wait(timeout=120)
            for face in faces:
                began = time.perf_counter()
                try:
                    unknown_face_record(sighting=_sighting(face, mine))
                except OperationalError as exc:
                    failures["deadlocks" if "deadlock" in str(exc) else "errors"] += 1
                    continue
                times.append(time.perf_counter() - began)
        finally:
            connection.close()

    def every_entry_read(version, encoding):
        ids, distances = open_faces.read_all(open_faces._open_entries(version), encoding)
        if not ids:
            return None
        best = int(np.argmin(distances))
        return open_faces.Nearest(pk=ids[best], distance=distances[best])

    @contextmanager
    def lookup(before):
        # before: the same service finding the nearest entry as the code before did, by reading every
        # open entry per sighting; the ratio to the held copy is then measured in one run, on one load
        held = open_faces.nearest
        if before:
            open_faces.nearest = every_entry_read
        try:
            yield
        finally:
            open_faces.nearest = held

    runs = {}
    for label, before, seed in (("every entry read (before)", True, 1), ("held in the process", False, 2)):
        with lookup(before):
            alone: list[float] = []
            record(*plan(seed, options["sightings"], shared=None), alone)
            runs[f"1 writer, {label}"] = common.summary_ms(alone)
            shared = [_face(rng) for _ in range(max(1, options["sightings"] // 3))]
            every_shared.extend(shared)
            together: list[float] = []
            start = threading.Barrier(options["writers"])
            threads = [
                threading.Thread(
                    target=record, args=(*plan(seed * 100 + w, options["sightings"], shared), together, start)
                )
                for w in range(options["writers"])
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            runs[f"{options['writers']} writers, {label}"] = common.summary_ms(together)
    # one entry per shared stranger, however many writers saw it at the same moment
    matrix = np.stack(
        [np.frombuffer(bytes(e), dtype=np.float32) for e in UnknownFace.objects.values_list("encoding", flat=True)]
    )
    duplicates = sum(max(0, int((np.linalg.norm(matrix - face, axis=1) < 0.2).sum()) - 1) for face in every_shared)
    return {
        "runs": runs,
        **failures,
        "duplicates": duplicates,
        "open_at_the_end": UnknownFace.objects.filter(status=UnknownFace.Status.OPEN).count(),
    }
