"""Chromium with a fake camera that shows real photos, for the browser tests.

Debian's Chromium (never a browser downloaded by a tool) reads a .y4m video
as its camera: --use-file-for-fake-video-capture.
"""

from PIL import Image

from recognition import engine, imaging
from tests import photos

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 640, 480


def camera_picture(path, *, face_share=2.6, background=(30, 30, 30)):
    """The photo as a camera at a door sees it: the face large in the middle, on 640x480.

    face_share: the crop's height in face heights.
    """
    picture = imaging.decode(photos.read(path))
    top, right, bottom, left = max(engine.detect(picture), key=lambda box: box[1] - box[3])
    side = int((bottom - top) * face_share)
    cx, cy = (left + right) // 2, (top + bottom) // 2
    picture = picture.crop((cx - side * 2 // 3, cy - side // 2, cx + side * 2 // 3, cy + side // 2))
    picture.thumbnail((WIDTH, HEIGHT))
    frame = Image.new("RGB", (WIDTH, HEIGHT), background)
    frame.paste(picture, ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2))
    return frame


def write_y4m(path, pictures, frames_each=10):
    """A video of the pictures, frames_each frames (at 10 per second) each.

    YUV4MPEG2, 4:2:0 with JPEG (full-range) colours: per frame the Y plane,
    then U and V at half size.
    """
    half = (WIDTH // 2, HEIGHT // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for picture in pictures:
            y, u, v = picture.convert("YCbCr").split()
            planes = y.tobytes() + u.resize(half, Image.Resampling.BOX).tobytes()
            planes += v.resize(half, Image.Resampling.BOX).tobytes()
            for _ in range(frames_each):
                out.write(b"FRAME\n" + planes)
    return path


def launch(playwright, camera):
    """Headless Chromium whose camera plays `camera` (a .y4m file), no permission prompt."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
            # as root in a sandbox-less container, on a machine with no network
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
