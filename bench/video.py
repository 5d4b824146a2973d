"""8. A video through the tracker: how long each analysed frame takes, at 360p and 720p, on one core.

A clip of two people crossing the picture (faces cut from the fixture
photos, made with Debian's ffmpeg as the tests make theirs) is read with
PyAV at VIDEO_ANALYSE_FPS frames a second; each frame is detected on a copy
no larger than FACE_DETECT_MAX_SIDE, its faces encoded in one batch (ONNX
Runtime, one thread) and tracked: exactly what a video worker does, without
the database. The figure that matters is how much faster than the video
plays one worker process gets through it.
"""

import tempfile
import time
from pathlib import Path

from bench import common

SIZES = {"360p": (640, 360), "720p": (1280, 720)}


def one(size, seconds, fps, folder):
    from portal.settings import FACE_DETECT_MAX_SIDE
    from recognition import encoders, engine, tracking, video
    from tests import photos
    from tests.clips import Walk, clip, sprite

    width, height = size
    face = max(80, height // 4)
    walks = [
        Walk(sprite(photos.OBAMA, face), 0, seconds * 0.6, (0, height // 5), (width - 2 * face, height // 6)),
        Walk(sprite(photos.BIDEN, face), seconds * 0.3, seconds, (width - 2 * face, height // 4), (0, height // 5)),
    ]
    path = clip(Path(folder) / f"{width}x{height}.mp4", walks, seconds=seconds, size=size, fps=10)
    options = engine.DetectOptions(version=encoders.MIRROR)
    scale = min(1.0, FACE_DETECT_MAX_SIDE / max(width, height))
    tracker, frames, faces, tracks = tracking.Tracker(), 0, 0, 0
    started = time.perf_counter()
    with open(path, "rb") as handle:
        for t, rgb in video.frames(handle, "mov", fps=fps, max_seconds=seconds + 1):
            found = tracking.faces_in_frame(engine, rgb, scale=scale, min_face=40, options=options, t=t)
            tracks += len(tracker.update(t, found))
            frames += 1
            faces += len(found)
    tracks += len(tracker.finish())
    took = time.perf_counter() - started
    return {
        "frames": frames,
        "faces": faces,
        "tracks": tracks,
        "seconds": round(took, 2),
        "ms_per_frame": round(1000 * took / max(1, frames), 1),
        "times_real_time": round(seconds / took, 2),
    }


def run(seconds=8.0, fps=5.0):
    from recognition import encoders, engine

    with tempfile.TemporaryDirectory() as folder:
        engine.use_encoder(encoders.Config(name="onnx", cache_dir=common.ROOT / ".cache" / "encoders", threads=1))
        figures = {name: one(size, seconds, fps, folder) for name, size in SIZES.items()}
    results = {"video_seconds": seconds, "analysed_fps": fps, "sizes": figures}
    common.show(
        f"video: a {seconds:.0f} s clip of two people crossing, {fps:g} frames analysed a second, one core",
        [
            (f"{name}: ms per analysed frame", f["ms_per_frame"], None, f["times_real_time"])
            for name, f in figures.items()
        ],
        columns=("ms/frame", "", "x real time"),
    )
    return common.save("video", results)
