"""5. The encoding network alone: dlib's own against ONNX Runtime, per face, on one core.

Real lfw-dev faces are cut into 150x150 chips once (dlib's landmarks and
get_face_chips, as a worker does); then each encoder runs the same chips,
one at a time and in batches of 8, interleaved in rounds so that a busy
machine slows both alike. One ONNX Runtime thread, as a worker process runs.
Also the largest difference between the two encodings of any chip.
"""

import time

import numpy as np

from bench import common


def chips_of(paths):
    from recognition import encoders, engine, imaging

    found = []
    for path in paths:
        image = imaging.decode(path.read_bytes())
        boxes = engine.detect(image)
        if boxes:
            found.append(encoders.chips(imaging.to_array(image), boxes[:1])[0])
    return np.stack(found)


def per_face_ms(encoder, chips, batch):
    start = time.perf_counter()
    for i in range(0, len(chips), batch):
        encoder.run(chips[i : i + batch])
    return (time.perf_counter() - start) * 1000 / len(chips)


def run(faces=200, rounds=3):
    import tempfile

    from recognition import encoders

    chips = chips_of(common.lfw_photos(faces))
    dlib_net = encoders.DlibEncoder()
    with tempfile.TemporaryDirectory() as cache:
        onnx_net = encoders.make(encoders.Config(name="onnx", cache_dir=cache, threads=1))
        started = time.perf_counter()
        onnx_net.run(chips[:1])  # session made (graph checked) before timing
        graph_seconds = time.perf_counter() - started
        dlib_net.run(chips[:1])
        times = {key: [] for key in ("dlib_1", "dlib_8", "onnx_1", "onnx_8")}
        for _ in range(rounds):
            for name, net in (("dlib", dlib_net), ("onnx", onnx_net)):
                for batch in (1, 8):
                    times[f"{name}_{batch}"].append(per_face_ms(net, chips, batch))
        worst = float(np.abs(dlib_net.run(chips) - onnx_net.run(chips)).max())
    best = {key: round(min(values), 2) for key, values in times.items()}
    results = {
        "faces": len(chips),
        "rounds": rounds,
        "ms_per_face": best,
        "speedup_batch_1": common.ratio(best["dlib_1"], best["onnx_1"]),
        "speedup_batch_8": common.ratio(best["dlib_8"], best["onnx_8"]),
        "largest_difference": worst,
        "first_session_seconds": round(graph_seconds, 2),
        "machine": common.machine(),
    }
    report(results)
    return common.save("encoder", results)


def report(r):
    ms = r["ms_per_face"]
    common.show(
        f"encoder: {r['faces']} lfw-dev faces, 1 thread, best of {r['rounds']} rounds",
        [
            ("ms per face, batch 1", ms["onnx_1"], ms["dlib_1"], r["speedup_batch_1"]),
            ("ms per face, batch 8", ms["onnx_8"], ms["dlib_8"], r["speedup_batch_8"]),
        ],
        columns=("ONNX Runtime", "dlib", "dlib/ONNX"),
    )
    print(f"largest difference between the two encodings of a face: {r['largest_difference']:.2g}")
