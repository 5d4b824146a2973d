"""11. Each encoder and each detector: CPU per face and per frame, and what each detector finds.

Encoders, per face (process CPU time, one ONNX Runtime thread, batch 1, best of the
interleaved rounds): dlib's network on ONNX Runtime (the plain version and the mirror
version, which runs it twice), dlib's own network, and SFace, on chips cut once from
lfw-dev photos; and the cut itself (dlib's 150x150 chip from 5 landmarks, SFace's
112x112 warp from YuNet's landmarks).

Detectors, per 640x360 frame: dlib's HOG without upsampling, HOG upsampled once (what
face_recognition's face_locations does by default) and YuNet, on frames with one lfw-dev
face pasted at a width of 40 to 200 px on a blurred background: how many faces each finds
(a box over the pasted face) and how many boxes are outside the pasted photo (false detections).

Whole faces: a 640x480 kiosk frame decoded, detected, aligned and encoded by the engine,
for each detector and encoding version (what a worker spends before the search).
"""

import time

import numpy as np
from PIL import Image, ImageFilter

from bench import common

FRAME = (640, 360)
WIDTHS = (40, 48, 64, 96, 128, 200)
# an lfw-dev photo (250 px) holds a face about 100 px wide: the photo is scaled by width / 100
LFW_FACE_SHARE = 0.4


def cpu_ms(function, items, rounds=1):
    """Best over rounds of the process CPU time per item, in ms."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for item in items:
            function(item)
        best = min(best, (time.process_time() - start) * 1000 / max(1, len(items)))
    return round(best, 2)


def frame_with_face(path, width, background):
    """A 640x360 frame with the photo's face about `width` px wide, and where the photo went."""
    photo = Image.open(path).convert("RGB")
    side = round(width / LFW_FACE_SHARE)
    photo = photo.resize((side, side), Image.Resampling.BICUBIC)
    frame = background.copy()
    left, top = (FRAME[0] - side) // 2, max(0, (FRAME[1] - side) // 2)
    frame.paste(photo, (left, top))
    return frame, (left, top, left + side, top + side)


def background_of(path):
    return Image.open(path).convert("RGB").resize(FRAME, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(16))


def detectors():
    from recognition import engine, imaging, yunet

    def hog(upsample):
        def run(image):
            array = imaging.to_array(image)
            return [
                (left, top, right, bottom)
                for top, right, bottom, left in engine._face_recognition().face_locations(
                    array, number_of_times_to_upsample=upsample
                )
            ]

        return run

    def yunet_boxes(image):
        return [(f.box[3], f.box[0], f.box[1], f.box[2]) for f in yunet.detect(imaging.to_array(image))]

    return {"hog": hog(0), "hog_upsampled": hog(1), "yunet": yunet_boxes}


def found(boxes, where):
    """(the pasted face found, boxes outside the pasted photo): found is a box centred in the photo's middle.

    Boxes elsewhere in the photo are not counted as false: lfw-dev photos hold bystanders.
    """
    left, top, right, bottom = where
    margin = (right - left) * 0.2

    def centred(b, m):
        x, y = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        return left + m <= x <= right - m and top + m <= y <= bottom - m

    return any(centred(b, margin) for b in boxes), sum(not centred(b, 0) for b in boxes)


def measure_detectors(paths, backgrounds):
    runs = detectors()
    out = {name: {"ms_per_frame": [], "found": {}, "false": 0, "frames": 0} for name in runs}
    for width in WIDTHS:
        frames = [frame_with_face(p, width, backgrounds[i % len(backgrounds)]) for i, p in enumerate(paths)]
        for name, run in runs.items():
            seen = false = 0
            start = time.process_time()
            for frame, where in frames:
                hit, others = found(run(frame), where)
                seen += hit
                false += others
            out[name]["ms_per_frame"].append((time.process_time() - start) * 1000 / len(frames))
            out[name]["found"][str(width)] = common.ratio(seen, len(frames))
            out[name]["false"] += false
            out[name]["frames"] += len(frames)
    for figures in out.values():
        figures["ms_per_frame"] = round(float(np.median(figures["ms_per_frame"])), 1)
    return out


def measure_encoders(paths, rounds):
    from django.conf import settings

    from recognition import encoders, engine, imaging, sface

    images = [imaging.to_array(imaging.decode(p.read_bytes())) for p in paths]
    faces = []
    for array in images:
        boxes = engine._yunet_boxes(array, 1.0, (array.shape[1], array.shape[0]))
        if boxes:
            faces.append((array, boxes[:1]))
    dlib_chips = np.concatenate([encoders.chips(a, b) for a, b in faces])
    sface_chips = np.concatenate([sface.chips(a, b) for a, b in faces])
    cache = settings.FACE_ENCODER_CACHE  # the graphs the workers use, prepared and checked once
    onnx_net = encoders.make(encoders.Config(name="onnx", cache_dir=cache, threads=1))
    sface_net = sface.SFaceEncoder(cache_dir=cache, threads=1)
    own = encoders.DlibEncoder()
    onnx_net.run(dlib_chips[:1]), sface_net.run(sface_chips[:1]), own.run(dlib_chips[:1])  # sessions made
    dlib_one = [c[None] for c in dlib_chips]
    sface_one = [c[None] for c in sface_chips]
    ms = {
        "dlib_onnx_plain": cpu_ms(lambda c: encoders.encode_chips(onnx_net, c, encoders.PLAIN), dlib_one, rounds),
        "dlib_onnx_mirror": cpu_ms(lambda c: encoders.encode_chips(onnx_net, c, encoders.MIRROR), dlib_one, rounds),
        "dlib_own_plain": cpu_ms(own.run, dlib_one, rounds),
        "sface": cpu_ms(sface_net.run, sface_one, rounds),
        "cut_dlib_chip": cpu_ms(lambda f: encoders.chips(*f), faces, rounds),
        "cut_sface_chip": cpu_ms(lambda f: sface.chips(*f), faces, rounds),
    }
    return {"faces": len(faces), "ms_per_face": ms}


def measure_whole(paths, rounds):
    from recognition import encoders, engine, sface

    frames = [common.kiosk_frame(p) for p in paths]
    combos = {
        "hog+dlib_mirror": engine.DetectOptions(version=encoders.MIRROR, detector="hog"),
        "yunet+dlib_mirror": engine.DetectOptions(version=encoders.MIRROR, detector="yunet"),
        "hog+sface": engine.DetectOptions(version=sface.VERSION, detector="hog"),
        "yunet+sface": engine.DetectOptions(version=sface.VERSION, detector="yunet"),
    }
    for options in combos.values():
        engine.faces_in_bytes(frames[0], options=options)  # models loaded before timing
    return {
        name: cpu_ms(lambda f, o=o: engine.faces_in_bytes(f, options=o), frames, rounds) for name, o in combos.items()
    }


def run(faces=60, frames=20, rounds=3):
    common.portal_options()  # Django set up, this process's encoder chosen as a worker's
    paths = common.lfw_photos(faces)
    strangers = common.lfw_strangers(4)
    results = {
        "encoders": measure_encoders(paths, rounds),
        "detectors": measure_detectors(paths[:frames], [background_of(p) for p in strangers]),
        "frame_size": list(FRAME),
        "whole_face_ms_per_kiosk_frame": measure_whole(paths[:frames], rounds),
        "rounds": rounds,
    }
    report(results)
    return common.save("models", results)


def report(r):
    ms = r["encoders"]["ms_per_face"]
    print(f"\n== encoders: CPU ms per face, batch 1, one thread, {r['encoders']['faces']} lfw-dev faces")
    for name, value in ms.items():
        print(f"  {name:22} {value:8.2f}")
    print(f"\n== detectors: {r['frame_size'][0]}x{r['frame_size'][1]} frames, one face pasted at each width")
    print(f"  {'':16}{'ms/frame':>9} " + " ".join(f"{w:>5}px" for w in WIDTHS) + "  false boxes")
    for name, d in r["detectors"].items():
        found_cells = " ".join(f"{100 * (d['found'][str(w)] or 0):6.0f}%" for w in WIDTHS)
        print(f"  {name:16}{d['ms_per_frame']:9.1f} {found_cells}  {d['false']}/{d['frames']} frames")
    print("\n== whole face: CPU ms per 640x480 kiosk frame (decode, detect, align, encode)")
    for name, value in r["whole_face_ms_per_kiosk_frame"].items():
        print(f"  {name:22} {value:8.1f}")
