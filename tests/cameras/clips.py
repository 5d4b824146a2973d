"""Videos made from the fixture photos, the way a camera by a door sees people pass.

A person's face (a crop of a fixture photo) crosses the frame from left to
right in about two seconds on a plain background; between people the frame
is empty. Frames are drawn with Pillow and made into H.264 by Debian's
ffmpeg (`make ffmpeg`); the same frames serve the MJPEG test server.
"""

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
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


# --- scenes: people moving as they do in front of a real camera -------------------------------------
#
# A scene is described in continuous time, so the same scene is sampled at 10 frames a second for a
# video served over RTSP, or at 1, 2 or 5 for the tracker offline: a person's face (from the fixtures
# or ../shared/lfw-dev) walks across the picture, grows as it comes closer (a wide shot, then a
# close-up: 40 to 200 px), and may start turned aside (squeezed sideways, turning to frontal).
# Backgrounds are a gradient with some texture, not a flat grey: motion and detection see a picture.

SPRITE_FACE = 200  # the face width sprites are cut at; smaller sizes are scaled down from it


@dataclass(frozen=True)
class Walker:
    """A face moving from `start` to `end` (centre, pixels) between two times, `sizes` (face widths)
    from first to last; `turn`: seconds over which it turns from aside to frontal at the start."""

    picture: Image.Image  # clips_sprite(path): the face at SPRITE_FACE pixels wide
    begins: float
    ends: float
    start: tuple
    end: tuple
    sizes: tuple = (120, 120)
    turn: float = 0.0
    # another photo of the same person, turned aside, shown during `turn` instead of `picture`
    # squeezed alone: a real change of pose, not only of shape
    turned: Image.Image | None = None

    def at(self, t):
        """(picture, top-left corner) at t, or None when not in the picture."""
        if not self.begins <= t <= self.ends:
            return None
        f = (t - self.begins) / (self.ends - self.begins) if self.ends > self.begins else 0.0
        width = self.sizes[0] + (self.sizes[1] - self.sizes[0]) * f
        factor = width / SPRITE_FACE
        turning = self.turn and t - self.begins < self.turn
        source = self.turned if turning and self.turned is not None else self.picture
        w, h = max(8, round(source.width * factor)), max(8, round(source.height * factor))
        if turning:
            # turned aside: the face narrower across, from 55% of its width to all of it
            w = max(8, round(w * (0.55 + 0.45 * (t - self.begins) / self.turn)))
        picture = source.resize((w, h), Image.Resampling.BILINEAR)
        cx = self.start[0] + (self.end[0] - self.start[0]) * f
        cy = self.start[1] + (self.end[1] - self.start[1]) * f
        return picture, (round(cx - w / 2), round(cy - h / 2))


def clips_sprite(path):
    from tests.clips import sprite

    return sprite(path, face_width=SPRITE_FACE, margin=0.5)


def background(size):
    """A lit wall: a gradient with a faint pattern (always the same)."""
    width, height = size
    x = np.linspace(0, 1, width)[None, :]
    y = np.linspace(0, 1, height)[:, None]
    base = 60 + 70 * x * (1 - 0.3 * y) + 6 * np.sin(x * 40) * np.cos(y * 25)
    rgb = np.stack([base, base * 1.05, base * 1.12], axis=2).clip(0, 255).astype(np.uint8)
    return Image.fromarray(rgb)


def scene_frame(walkers, t, size=(640, 360), backdrop=None):
    canvas = (backdrop or background(size)).copy()
    for walker in walkers:
        placed = walker.at(t)
        if placed is not None:
            canvas.paste(*placed)
    return canvas


def sample(walkers, *, fps, seconds, size=(640, 360)):
    """[(t, frame)] at fps over seconds: what a runner analysing fps frames a second gets."""
    backdrop = background(size)
    return [(i / fps, scene_frame(walkers, i / fps, size, backdrop)) for i in range(round(seconds * fps))]


def scene_mp4(walkers, path, *, seconds, size=(640, 360)):
    """The scene at FPS as H.264, served over RTSP like a camera's stream."""
    backdrop = background(size)
    pictures = [scene_frame(walkers, i / FPS, size, backdrop) for i in range(round(seconds * FPS))]
    return write_mp4(pictures, path)


def far_then_close(picture, *, begins=0.5, seconds=4.0, size=(640, 360), sizes=(48, 140), turn=1.0, turned=None):
    """One person crossing from far (a small face on the left) to close (a large face on the right),
    turned aside for its first `turn` seconds (showing `turned`, another photo, if given)."""
    width, height = size
    return Walker(
        picture,
        begins,
        begins + seconds,
        (width * 0.15, height * 0.4),
        (width * 0.75, height * 0.5),
        sizes,
        turn,
        turned,
    )


# --- clips as hard as real footage: encoded by ffmpeg, read back as a camera's frames ----------------


def scene_clip(walkers, path, *, seconds, size=(640, 360), quality=30):
    """The scene at FPS as H.264 at a camera's quality (libx264's constant rate factor `quality`: 30 is
    a cheap IP camera's picture, faces of 48 px lose their detail), one key frame a second."""
    backdrop = background(size)
    pictures = [scene_frame(walkers, i / FPS, size, backdrop) for i in range(round(seconds * FPS))]
    folder = Path(path).with_suffix(".frames")
    write_jpegs(pictures, folder)
    subprocess.run(
        [
            "ffmpeg", "-loglevel", "error", "-y", "-framerate", str(FPS), "-i", str(folder / "%05d.jpg"),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", str(quality), "-pix_fmt", "yuv420p",
            "-g", str(FPS), "-bf", "0", str(path),
        ],
        check=True,
    )  # fmt: skip
    return Path(path)


def decoded(path):
    """[(t, RGB array)]: every frame of a clip as the runner reads a stream (PyAV, FFmpeg's decoder)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            (float(frame.pts * stream.time_base), frame.to_ndarray(format="rgb24"))
            for frame in container.decode(stream)
        ]


def analysed(frames, fps):
    """The frames a runner analysing `fps` frames a second takes: the newest one at each turn."""
    out, next_at = [], 0.0
    for t, rgb in frames:
        if t + 1e-6 >= next_at:
            out.append((t, rgb))
            next_at += 1.0 / fps
    return out


def hard_pass(person, turned, *, begins=0.5, seconds=4.0, size=(640, 360)):
    """One person's pass as a real camera sees it: far (48 px) to close (140 px), their first second
    another photo of them, turned aside (and squeezed), the rest a third photo, not the enrolled one."""
    return far_then_close(clips_sprite(person), begins=begins, seconds=seconds, size=size, turned=clips_sprite(turned))
