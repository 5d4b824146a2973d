"""4. Enrollment: a bulk import of real photos, before and after the ONNX encoder, in one run.

The first N lfw-dev photos (250x250, one folder per person) are imported with
`manage.py enroll`, the same import the ZIP page runs (decode, detect,
quality checks, look-alike check against everyone enrolled so far, store),
into a fresh SQLite database, twice, one process each:

- *before*: dlib's own encoding network and the plain encoding version (how
  the portal encoded until the ONNX encoder);
- *now*: the default settings (ONNX Runtime, the mirror encoding version).

Then the engine alone (no database) per photo for both, and the plain
face_recognition pipeline (load_image_file, face_locations with upsample 1,
face_encodings) for comparison.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common

BEFORE = {"FACE_ENCODER": "dlib", "FACE_ENCODING_VERSION": "dlib_face_recognition_resnet_model_v1"}
NOW = {"FACE_ENCODER": "onnx", "FACE_ENCODING_VERSION": "dlib_face_recognition_resnet_model_v1+mirror"}


def folder_of(paths, root):
    """One folder per person (the lfw folder name), holding copies of the photos (imports skip links)."""
    for path in paths:
        person = root / path.parent.name
        person.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, person / path.name)
    return root


def import_seconds(folder, settings, scratch):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    env.update(settings, DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}", MEDIA_ROOT=str(scratch / "media"))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=common.ROOT, env=env, check=True, capture_output=True)
    start = time.perf_counter()
    done = subprocess.run(
        [*manage, "enroll", str(folder), "-v0"], cwd=common.ROOT, env=env, check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    return seconds, done.stdout.splitlines()[0]


def engine_rate(paths, settings):
    """Photos per second through the engine alone (decode, detect, encode), in a fresh process."""
    code = (
        "import sys, time, json; from pathlib import Path; from bench import common; "
        "from recognition import engine; options = common.portal_options(); "
        "paths = [Path(p) for p in sys.argv[1:]]; engine.faces_in_bytes(paths[0].read_bytes(), options=options); "
        "t = time.perf_counter(); [engine.faces_in_bytes(p.read_bytes(), options=options) for p in paths]; "
        "print(len(paths) / (time.perf_counter() - t))"
    )
    env = {**os.environ, **settings}
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, paths)], cwd=common.ROOT, env=env, check=True, capture_output=True
    )
    return round(float(out.stdout.decode().split()[-1]), 2)


def plain_rate(paths):
    common.plain_encode(paths[0].read_bytes())
    start = time.perf_counter()
    for path in paths:
        common.plain_encode(path.read_bytes())
    return round(len(paths) / (time.perf_counter() - start), 2)


def run(photos=1000):
    paths = common.lfw_photos(photos)
    results = {"photos": len(paths)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = folder_of(paths, Path(tmp) / "photos")
        for name, settings in (("before", BEFORE), ("now", NOW)):
            scratch = Path(tmp) / name
            scratch.mkdir()
            seconds, summary = import_seconds(folder, settings, scratch)
            results[name] = {"import_seconds": round(seconds, 1), "photos_per_second": round(len(paths) / seconds, 2)}
            results[name]["summary"] = summary
    results["import_speedup"] = common.ratio(results["before"]["import_seconds"], results["now"]["import_seconds"])
    sample = paths[: min(len(paths), 200)]
    results["engine_photos_per_second"] = {
        "before": engine_rate(sample, BEFORE),
        "now": engine_rate(sample, NOW),
        "plain": plain_rate(sample),
    }
    results["machine"] = common.machine()
    report(results)
    return common.save("enroll", results)


def report(r):
    rates = r["engine_photos_per_second"]
    common.show(
        f"enrollment: import of {r['photos']} lfw-dev photos",
        [
            ("import seconds", r["now"]["import_seconds"], r["before"]["import_seconds"], r["import_speedup"]),
            ("import photos/s", r["now"]["photos_per_second"], r["before"]["photos_per_second"], None),
            ("engine photos/s (200 photos)", rates["now"], rates["before"], None),
            ("plain face_recognition photos/s", None, rates["plain"], None),
        ],
        columns=("now", "before", "before/now"),
    )
    print(f"now: {r['now']['summary']}\nbefore: {r['before']['summary']}")
