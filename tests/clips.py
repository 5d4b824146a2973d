"""Test videos made from the fixture photos with Debian's ffmpeg (`make ffmpeg` installs it).

A clip is a grey background with faces cut from the fixture photos moving
across it: who appears when is known exactly, so a test can check the times
a recognition reports.
"""

import shutil
import subprocess
from dataclasses import dataclass

from PIL import Image

from recognition import engine


def sprite(path, face_width=120, margin=0.5):
    """The face of a photo with margin x its height around it, scaled to face_width pixels."""
    image = Image.open(path).convert("RGB")
    top, right, bottom, left = engine.detect(image)[0]
    pad = int((bottom - top) * margin)
    crop = image.crop((max(0, left - pad), max(0, top - pad), right + pad, bottom + pad))
    factor = face_width / (right - left)
    return crop.resize((round(crop.width * factor), round(crop.height * factor)), Image.Resampling.LANCZOS)


@dataclass(frozen=True)
class Walk:
    """A face crossing the picture from start to end (pixels of its top-left corner) between two times."""

    picture: Image.Image
    begins: float
    ends: float
    start: tuple
    end: tuple

    def where(self, t):
        if not self.begins <= t <= self.ends:
            return None
        f = (t - self.begins) / (self.ends - self.begins) if self.ends > self.begins else 0.0
        return tuple(round(a + (b - a) * f) for a, b in zip(self.start, self.end, strict=True))


def ffmpeg():
    found = shutil.which("ffmpeg")
    if not found:
        raise RuntimeError("ffmpeg is needed for the video tests: run `make ffmpeg` (Debian's package)")
    return found


def clip(path, walks, *, seconds, size=(640, 360), fps=10, codec="libx264", extra=(), background=None):
    """Write an H.264 MP4 (or what `codec` and the suffix of path say) of the walks to path.

    background: the colour behind the faces at each time (a function of t): a hard cut between
    two scenes is a change of background with other faces; default plain grey.
    """
    width, height = size
    command = [
        ffmpeg(), "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
        "-c:v", codec, "-pix_fmt", "yuv420p", *extra, str(path),
    ]  # fmt: skip
    frames = []
    for index in range(round(seconds * fps)):
        t = index / fps
        canvas = Image.new("RGB", size, background(t) if background else (128, 128, 128))
        for walk in walks:
            at = walk.where(t)
            if at is not None:
                canvas.paste(walk.picture, at)
        frames.append(canvas.tobytes())
    subprocess.run(command, input=b"".join(frames), check=True, timeout=120)
    return path
