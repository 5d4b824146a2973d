"""Videos made from the fixture photos, the way a camera by a door sees people pass.

A person's face (a crop of a fixture photo) crosses the frame from left to
right in about two seconds on a plain background; between people the frame
is empty. Frames are drawn with Pillow and made into H.264 by Debian's
ffmpeg (`make ffmpeg`); the same frames serve the MJPEG test server.
"""

import subprocess
from pathlib import Path

from PIL import Image

from recognition import engine, imaging
from tests import photos

FPS = 10
BACKGROUND = (70, 80, 90)


def face_crop(path, height):
    """The photo cut around its face (1.8 face heights tall), scaled to `height` pixels."""
    picture = imaging.decode(photos.read(path))
    top, right, bottom, left = max(engine.detect(picture), key=lambda box: box[1] - box[3])
    side = int((bottom - top) * 1.8)
    cx, cy = (left + right) // 2, (top + bottom) // 2
    crop = picture.crop((cx - side // 2, cy - side // 2, cx + side // 2, cy + side // 2))
    return crop.resize((height, height), Image.Resampling.LANCZOS)


def frames(plan, *, size=(640, 360), face_height=220, tail_seconds=0.0):
    """Pictures at FPS for a plan: [("empty", seconds) | (photo path, seconds)], then `tail_seconds` empty."""
    width, height = size
    out = []
    crops = {}
    for what, seconds in [*plan, ("empty", tail_seconds)]:
        count = round(seconds * FPS)
        for i in range(count):
            frame = Image.new("RGB", size, BACKGROUND)
            if what != "empty":
                crop = crops.setdefault(what, face_crop(what, face_height))
                x = round((width - crop.width) * i / max(1, count - 1))
                frame.paste(crop, (x, (height - crop.height) // 2))
            out.append(frame)
    return out


def write_jpegs(pictures, folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, picture in enumerate(pictures):
        path = folder / f"{i:05d}.jpg"
        picture.save(path, quality=90)
        paths.append(path)
    return paths


def write_mp4(pictures, path):
    """H.264 (a key frame every second, so a client joining late starts within one) in MP4, with ffmpeg."""
    folder = Path(path).with_suffix(".frames")
    write_jpegs(pictures, folder)
    subprocess.run(
        [
            "ffmpeg", "-loglevel", "error", "-y", "-framerate", str(FPS), "-i", str(folder / "%05d.jpg"),
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-pix_fmt", "yuv420p",
            "-g", str(FPS), "-bf", "0", str(path),
        ],
        check=True,
    )  # fmt: skip
    return Path(path)


PEOPLE = {
    "obama": [("empty", 0.5), (photos.OBAMA, 2.0)],
    "two": [("empty", 0.5), (photos.OBAMA, 2.0), ("empty", 2.0), (photos.BIDEN, 2.0)],
    "stranger": [("empty", 0.5), (photos.STRANGER, 2.0)],
}
