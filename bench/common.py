"""What every benchmark shares: the photos, kiosk frames, the plain pipeline,
statistics, process memory and the results folder.

Importing this module does not load dlib; the functions that need it import
face_recognition (or recognition.engine) when called.
"""

import io
import json
import os
import statistics
import time
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LFW = Path(os.environ.get("BENCH_LFW", ROOT.parent / "shared" / "lfw-dev"))
FRAME_SIZE = (640, 480)
THRESHOLD = 0.5  # the portal's FACE_MATCH_THRESHOLD default; the plain way uses the same


# --- the photos -----------------------------------------------------------------


def lfw_people():
    """(name, [photo paths]) of every person in lfw-dev/known, sorted by name."""
    if not (LFW / "known").is_dir():
        raise SystemExit(f"lfw-dev not found at {LFW}; set BENCH_LFW to its folder.")
    return [(d.name, sorted(d.glob("*.jpg"))) for d in sorted((LFW / "known").iterdir()) if d.is_dir()]


def lfw_photos(limit):
    """The first `limit` photos of lfw-dev (known, then unknown), sorted by path."""
    paths = sorted((LFW / "known").glob("*/*.jpg")) + sorted((LFW / "unknown").glob("*/*.jpg"))
    return paths[:limit]


def lfw_strangers(limit):
    return sorted((LFW / "unknown").glob("*/*.jpg"))[:limit]


def kiosk_frame(path, size=FRAME_SIZE, quality=85):
    """A photo made into a 640x480 JPEG webcam frame.

    The photo is scaled to the frame's height and centred; the sides are a
    blurred, stretched copy of it, so the frame has no flat borders. An LFW
    photo (250x250) gives a face about 200 px wide: someone standing at a door
    kiosk.
    """
    photo = Image.open(path).convert("RGB")
    width, height = size
    side = min(width, height)
    photo.thumbnail((side * 4, side * 4))
    scale = side / max(photo.size)
    face = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.BICUBIC)
    frame = photo.resize(size, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(12))
    frame.paste(face, ((width - face.width) // 2, (height - face.height) // 2))
    out = io.BytesIO()
    frame.save(out, format="JPEG", quality=quality)
    return out.getvalue()


# --- encodings for the gallery ----------------------------------------------------


def portal_options():
    """The encoder and encoding version a worker runs with the default settings.

    Chooses this process's encoder as a worker does (ONNX unless FACE_ENCODER
    says otherwise) and returns the engine options with the wanted version.
    """
    import django

    django.setup()
    from recognition import processing, versions  # detect_options chooses the encoder

    return processing.detect_options(versions.wanted())


def portal_encoding(data):
    """The portal's template of the one (largest) face in a photo, or None."""
    from recognition import engine

    _, faces = engine.faces_in_bytes(data, options=portal_options())
    return max(faces, key=lambda f: f.width).encoding if faces else None


@cache
def enrolled(count):
    """Names and portal encodings of the first photo of the first `count` lfw people
    who have one face in it, with their next photo (the probe). Cached in results/."""
    # always the default folder: tiny runs with their own --results share it;
    # people are taken in order, so a larger cache serves a smaller count
    cache = ROOT / "bench" / "results" / "cache" / portal_options().version
    cache_file = cache / f"lfw-enrolled-{count}.npz"
    for saved_file in sorted(cache.glob("lfw-enrolled-*.npz"), key=lambda f: int(f.stem.rsplit("-", 1)[1])):
        if int(saved_file.stem.rsplit("-", 1)[1]) >= count:
            saved = np.load(saved_file, allow_pickle=False)
            names, probes = list(saved["names"])[:count], [Path(p) for p in saved["probes"][:count]]
            return names, saved["encodings"][:count], probes
    names, encodings, probes = [], [], []
    for name, paths in lfw_people():
        if len(names) == count:
            break
        if len(paths) < 2:
            continue
        encoding = portal_encoding(paths[0].read_bytes())
        if encoding is not None:
            names.append(name)
            encodings.append(encoding)
            probes.append(paths[1])
    encodings = np.vstack(encodings).astype(np.float32)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache_file, names=np.array(names), encodings=encodings, probes=np.array([str(p) for p in probes]))
    return names, encodings, probes


def synthetic_encodings(count, like, seed=8):
    """`count` random encodings with the per-value mean and spread of real ones (their width).

    Far from every real face (about 0.8 apart, like strangers), so they make
    the gallery big without changing who is recognized.
    """
    rng = np.random.default_rng(seed)
    mean, std = like.mean(axis=0), like.std(axis=0)
    # encodings of length 1 (SFace's): random directions, about 1.4 from every real face and each other
    unit = len(like) and bool(np.allclose(np.linalg.norm(like, axis=1), 1.0, atol=1e-3))
    out = np.empty((count, like.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        stop = min(count, start + 100_000)
        noise = rng.standard_normal((stop - start, like.shape[1]), dtype=np.float32)
        if unit:
            out[start:stop] = noise / np.linalg.norm(noise, axis=1, keepdims=True)
        else:
            out[start:stop] = mean + noise * std
    return out


def gallery_arrays(people, real):
    """A gallery of `people` templates: the real ones first, synthetic ones after.

    Returns (matrix float32, labels int64): row i belongs to person i.
    """
    real = real[:people]
    matrix = np.vstack([real, synthetic_encodings(people - len(real), real)]) if people > len(real) else real
    return np.ascontiguousarray(matrix, dtype=np.float32), np.arange(len(matrix), dtype=np.int64)


# --- the plain face_recognition pipeline --------------------------------------------


def plain_identify(data, known_encodings, known_names, tolerance=THRESHOLD):
    """What most face_recognition projects do with a picture (its README's example).

    face_locations with the default upsample (1) on the full image, face_encodings,
    then compare_faces and face_distance against a Python list of known encodings.
    """
    import face_recognition

    image = face_recognition.load_image_file(io.BytesIO(data))
    locations = face_recognition.face_locations(image)
    names = []
    for encoding in face_recognition.face_encodings(image, locations):
        matches = face_recognition.compare_faces(known_encodings, encoding, tolerance=tolerance)
        distances = face_recognition.face_distance(known_encodings, encoding)
        best = int(np.argmin(distances))
        names.append(known_names[best] if matches[best] else None)
    return names


def plain_encode(data):
    """The plain way to turn an enrollment photo into encodings."""
    import face_recognition

    image = face_recognition.load_image_file(io.BytesIO(data))
    return face_recognition.face_encodings(image, face_recognition.face_locations(image))


def plain_gallery(names, size):
    """dlib's encodings (face_recognition) of the enrolled people's first photos, and random ones up to size."""
    first = {name: paths[0] for name, paths in lfw_people() if paths}
    found = [plain_encode(first[name].read_bytes()) for name in names]
    # a photo the plain way finds no face in: someone it cannot recognize (a far-away encoding)
    real = np.vstack([f[0] if f else np.full(128, 9.0) for f in found]).astype(np.float32)
    matrix, _ = gallery_arrays(size, real)
    return [row.astype("float64") for row in matrix]


# --- figures --------------------------------------------------------------------------


def summary_ms(seconds):
    """Median, 95th percentile, mean, min and max of durations, in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {}
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "min_ms": round(ms[0], 3),
        "max_ms": round(ms[-1], 3),
    }


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def ratio(plain, portal):
    return round(plain / portal, 2) if portal else None


def rss_mb(pid="self"):
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


LOAD_AT_START = None  # set by started(): the load when the benchmark began, not when it saved


def started():
    """Note the load average as a benchmark begins (save() reports it beside the load at its end)."""
    global LOAD_AT_START
    LOAD_AT_START = [round(x, 2) for x in os.getloadavg()]


def machine():
    load = [round(x, 2) for x in os.getloadavg()]
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "load_average_at_start": LOAD_AT_START or load,
        "load_average_at_end": load,
    }


def save(name, figures):
    RESULTS.mkdir(parents=True, exist_ok=True)
    figures = {"benchmark": name, "at": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), **figures}
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, default=float) + "\n")
    return figures


def show(title, rows, columns=("portal", "plain", "plain/portal")):
    """Print a small table: rows of (label, portal, plain, ratio)."""
    print(f"\n== {title}")
    print(f"{'':34} {columns[0]:>14} {columns[1]:>14} {columns[2]:>13}")
    for label, portal, plain, times in rows:
        print(f"{label:34} {_cell(portal):>14} {_cell(plain):>14} {_cell(times):>13}")


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        if value >= 10:
            return f"{value:,.1f}"
        return f"{value:.2f}" if value >= 1 else f"{value:.3f}"
    return str(value)
