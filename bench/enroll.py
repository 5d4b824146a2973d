"""4. Enrollment: photos encoded per second for a bulk import of real photos.

The first N lfw-dev photos (250x250), one process: the portal's engine (decode
with the upload checks, detect on the photo without upsampling first, encode)
against the plain pipeline (load_image_file, face_locations with upsample 1,
face_encodings). Also the portal in 2 processes, as 2 workers would run.
"""

import multiprocessing
import time

from bench import common


def portal_one(path):
    from recognition import engine

    _, faces = engine.faces_in_bytes(path.read_bytes())
    return len(faces)


def plain_one(path):
    return len(common.plain_encode(path.read_bytes()))


def rate(function, paths, processes=1):
    function(paths[0])  # load the models before timing
    start = time.perf_counter()
    if processes == 1:
        counts = [function(p) for p in paths]
    else:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            counts = pool.map(function, paths, chunksize=8)
    seconds = time.perf_counter() - start
    return {
        "photos": len(paths),
        "seconds": round(seconds, 2),
        "photos_per_second": round(len(paths) / seconds, 2),
        "one_face": sum(c == 1 for c in counts),
        "no_face": sum(c == 0 for c in counts),
    }


def run(photos=1000):
    paths = common.lfw_photos(photos)
    results = {"portal": rate(portal_one, paths), "plain": rate(plain_one, paths)}
    results["portal_2_processes"] = rate(portal_one, paths, processes=2)
    results["speedup"] = common.ratio(results["plain"]["seconds"], results["portal"]["seconds"])
    report(results)
    return common.save("enroll", results)


def report(r):
    portal, plain = r["portal"], r["plain"]
    common.show(
        f"enrollment: {portal['photos']} lfw-dev photos (last column: portal/plain)",
        [
            ("photos/s, 1 process", portal["photos_per_second"], plain["photos_per_second"], r["speedup"]),
            ("photos/s, portal in 2 processes", r["portal_2_processes"]["photos_per_second"], None, None),
            ("photos with exactly one face", portal["one_face"], plain["one_face"], None),
            ("photos with no face found", portal["no_face"], plain["no_face"], None),
        ],
    )
