"""Recordings for the liveness test: flat pictures moved in front of a camera, and faces that turn.

Made from the fixture photos (and, in the benchmark, from lfw-dev), as a
kiosk or door camera would send them: 640x480 frames with the camera's
noise, JPEG-compressed. Every sequence is known to be an attack or not.

- `flat()`: a printed photo moved by hand: each frame the picture is a plane
  shifted, zoomed, rotated and tilted (a perspective view of the plane), as
  much as one asks;
- `screen()`: the same on a phone-like screen: the face at a phone's
  resolution, a black bezel, a colour cast and gamma, a moire pattern and a
  glare across it;
- `turning()`: a real head's 3D-ish change made from one photo: the face is
  given a depth (an ellipsoid head, a nose standing out of it, eye sockets)
  from its landmarks and rendered turned (yaw) and nodded (pitch) by the
  given angles; the depth, not a plane, moves the pixels, so the nose shows
  parallax against the outline as a real turn does;
- `photos_of_one_person()`: several real photos of one person in different
  poses as the frames of one burst (not a sequence, but real 3D faces).
"""

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from recognition import engine, imaging, liveness

SIZE = (640, 480)


@dataclass(frozen=True)
class Motion:
    """How a flat picture moves per frame: the largest shift (pixels), zoom (fraction),
    in-plane rotation (degrees) and tilt of the plane (degrees about its vertical and horizontal axes)."""

    shift: float = 0.0
    zoom: float = 0.0
    rotate: float = 0.0
    tilt: float = 0.0


def face_crop(path, face_width=160, margin=1.0):
    """The photo around its (largest) face, margin x the face's height on every side, scaled to face_width."""
    image = imaging.decode(open(path, "rb").read()) if not isinstance(path, Image.Image) else path
    boxes = engine.detect(image)
    top, right, bottom, left = max(boxes, key=lambda b: b[1] - b[3])
    pad = int((bottom - top) * margin)
    crop = image.crop(
        (max(0, left - pad), max(0, top - pad), min(image.width, right + pad), min(image.height, bottom + pad))
    )
    factor = face_width / (right - left)
    return crop.resize(
        (max(1, round(crop.width * factor)), max(1, round(crop.height * factor))), Image.Resampling.LANCZOS
    )


def camera(frame, *, rng, noise=2.5, quality=80, blur=0.0):
    """What a camera sends of a scene: sensor noise, a little blur, JPEG."""
    if blur:
        frame = frame.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(frame, dtype=np.float64) + rng.normal(0, noise, (frame.height, frame.width, 3))
    out = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(out, format="JPEG", quality=quality)
    return imaging.decode(out.getvalue())


def _plane_corners(width, height, *, dx, dy, scale, angle, yaw, pitch, focal=700.0):
    """Where the corners of a width x height picture land in the frame when it is held as a plane."""
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64) * [width / 2, height / 2] * scale
    a = np.radians(angle)
    corners = corners @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    points = np.c_[corners, np.zeros(4)]
    y, p = np.radians(yaw), np.radians(pitch)
    rot_y = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rot_x = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    points = points @ (rot_x @ rot_y).T
    depth = focal + points[:, 2]
    return np.c_[points[:, 0] * focal / depth + SIZE[0] / 2 + dx, points[:, 1] * focal / depth + SIZE[1] / 2 + dy]


def place_plane(picture, background, **pose):
    """The picture as a plane in the frame (PIL's perspective transform maps frame pixels back to it)."""
    w, h = picture.size
    corners = _plane_corners(w, h, **pose)
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    back = liveness.homography(corners, source)
    coeffs = (back / back[2, 2]).flatten()[:8]
    mask = Image.new("L", picture.size, 255).transform(
        SIZE, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
    )
    warped = picture.transform(SIZE, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    frame = background.copy()
    frame.paste(warped, (0, 0), mask)
    return frame


def _poses(motion, frames, rng):
    """A hand's path: from a random start, a smooth random walk within the motion's bounds."""
    start = rng.uniform(-1, 1, 6)
    end = rng.uniform(-1, 1, 6)
    for i in range(frames):
        f = i / max(1, frames - 1)
        v = start + (end - start) * f + rng.normal(0, 0.05, 6)
        yield dict(
            dx=motion.shift * v[0],
            dy=motion.shift * v[1],
            scale=1.0 + motion.zoom * v[2],
            angle=motion.rotate * v[3],
            yaw=motion.tilt * v[4],
            pitch=motion.tilt * v[5],
        )


def background(rng):
    shade = rng.integers(30, 200)
    base = Image.new("RGB", SIZE, (int(shade), int(shade * 0.95), int(shade * 0.9)))
    return base.filter(ImageFilter.GaussianBlur(2))


def flat(picture, motion, *, frames=5, seed=0, noise=2.5, blur=0.0):
    """A printed photo (with a white paper border) moved as `motion` says, one camera frame per pose."""
    rng = np.random.default_rng(seed)
    paper = Image.new("RGB", (picture.width + 24, picture.height + 24), (235, 235, 228))
    paper.paste(picture, (12, 12))
    scene = background(rng)
    return [
        camera(place_plane(paper, scene, **pose), rng=rng, noise=noise, blur=blur)
        for pose in _poses(motion, frames, rng)
    ]


def phone_screen(picture, rng):
    """The picture as a phone shows it: its resolution, a colour cast, gamma, moire, glare, a black bezel."""
    small = picture.resize((max(1, picture.width // 2), max(1, picture.height // 2)), Image.Resampling.BILINEAR)
    shown = small.resize(picture.size, Image.Resampling.BILINEAR)
    pixels = np.asarray(shown, dtype=np.float64) / 255.0
    pixels = pixels ** rng.uniform(0.8, 1.2) * np.array([rng.uniform(0.85, 1.0), 1.0, rng.uniform(1.0, 1.15)])
    yy, xx = np.mgrid[0 : picture.height, 0 : picture.width]
    pixels += 0.03 * np.sin((xx * 0.9 + yy * 0.4) * rng.uniform(1.5, 2.5))[..., None]  # moire
    pixels += 0.25 * np.exp(-(((xx - picture.width * 0.7) / (picture.width * 0.3)) ** 2))[..., None]  # glare
    screen = Image.fromarray((pixels.clip(0, 1) * 255).astype(np.uint8))
    bezel = Image.new("RGB", (screen.width + 20, screen.height + 40), (10, 10, 12))
    bezel.paste(screen, (10, 20))
    return bezel


def screen(picture, motion, *, frames=5, seed=0, noise=2.5, blur=0.0):
    """A phone showing the picture, moved as `motion` says."""
    rng = np.random.default_rng(seed)
    phone = phone_screen(picture, rng)
    scene = background(rng)
    return [
        camera(place_plane(phone, scene, **pose), rng=rng, noise=noise, blur=blur)
        for pose in _poses(motion, frames, rng)
    ]


# --- a head that turns -----------------------------------------------------------


def depth_map(size, points):
    """A head's depth (pixels, towards the camera) over a picture of size (w, h), from its 68 landmarks."""
    w, h = size
    points = np.asarray(points, dtype=np.float64)
    eyes = liveness.eye_distance(points)
    jaw = points[liveness.JAW]
    cx = (jaw[:, 0].min() + jaw[:, 0].max()) / 2
    half_width = (jaw[:, 0].max() - jaw[:, 0].min()) / 2 * 1.15
    top = points[liveness.BROWS][:, 1].min() - 0.8 * eyes
    bottom = jaw[:, 1].max()
    cy, half_height = (top + bottom) / 2, (bottom - top) / 2 * 1.1
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = (xx - cx) / half_width, (yy - cy) / half_height
    depth = half_width * 0.9 * np.sqrt(np.clip(1 - u * u - v * v, 0, None))

    def bump(centre, sigma, height):
        return height * np.exp(-(((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * sigma**2)))

    tip = points[30]
    depth += bump(tip, 0.22 * eyes, 0.45 * eyes)  # the nose tip
    for a in np.linspace(0, 1, 6):  # its bridge, rising towards the tip
        depth += bump(points[27] + (tip - points[27]) * a, 0.14 * eyes, 0.25 * eyes * a)
    for eye in (liveness.LEFT_EYE, liveness.RIGHT_EYE):
        depth -= bump(points[eye].mean(axis=0), 0.25 * eyes, 0.12 * eyes)  # sockets
    return depth, (cx, cy, half_width * 0.9)


def _sample(array, x, y):
    """Bilinear samples of an (h, w[, c]) array at float coordinates."""
    h, w = array.shape[:2]
    x = np.clip(x, 0, w - 1.001)
    y = np.clip(y, 0, h - 1.001)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    if array.ndim == 3:
        fx, fy = fx[..., None], fy[..., None]
    return (
        array[y0, x0] * (1 - fx) * (1 - fy)
        + array[y0, x0 + 1] * fx * (1 - fy)
        + array[y0 + 1, x0] * (1 - fx) * fy
        + array[y0 + 1, x0 + 1] * fx * fy
    )


def render_turned(picture, depth, centre, *, yaw, pitch):
    """The picture's head turned by yaw and nodded by pitch (degrees) about the head's centre,
    by its depth: each output pixel finds the source pixel whose 3D point lands on it."""
    array = np.asarray(picture, dtype=np.float64)
    h, w = depth.shape
    cx, cy, radius = centre
    pivot = -0.5 * radius  # the neck is behind the face
    a, b = np.radians(yaw), np.radians(pitch)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    x, y = xx.copy(), yy.copy()
    for _ in range(8):  # fixed point: small angles converge in a few steps
        z = _sample(depth, x, y) - pivot
        x = cx + (xx - cx - z * np.sin(a)) / np.cos(a)
        y = cy + (yy - cy - z * np.sin(b)) / np.cos(b)
    return Image.fromarray(_sample(array, x, y).clip(0, 255).astype(np.uint8))


def turning(picture, *, yaw=10.0, pitch=4.0, shift=6.0, zoom=0.03, frames=5, seed=0, noise=2.5, direction=None):
    """A real-ish head in front of the camera: turning by up to yaw degrees and nodding by up to
    pitch over the burst, drifting by up to shift pixels and zoom, seen by a camera.

    direction: 1 turns to the person's left (the nose towards the right of the picture),
    -1 to their right; None: either, at random."""
    rng = np.random.default_rng(seed)
    array = np.asarray(picture)
    box = max(engine.detect(picture), key=lambda b: b[1] - b[3])
    depth, centre = depth_map(picture.size, liveness.landmarks(array, box))
    scene = background(rng)
    direction = rng.choice([-1.0, 1.0]) if direction is None else direction
    out = []
    for i in range(frames):
        f = i / max(1, frames - 1)
        head = render_turned(picture, depth, centre, yaw=direction * yaw * f, pitch=pitch * np.sin(np.pi * f))
        frame = scene.copy()
        scale = 1.0 + zoom * f
        head = head.resize((round(head.width * scale), round(head.height * scale)), Image.Resampling.BICUBIC)
        frame.paste(head, (round((SIZE[0] - head.width) / 2 + shift * f), round((SIZE[1] - head.height) / 2)))
        out.append(camera(frame, rng=rng, noise=noise))
    return out


def photos_of_one_person(pictures, *, seed=0, noise=2.5):
    """Real photos of one person (different poses) as the frames of one burst, each centred in a frame."""
    rng = np.random.default_rng(seed)
    out = []
    for picture in pictures:
        frame = Image.new("RGB", SIZE, (90, 90, 90))
        frame.paste(picture, ((SIZE[0] - picture.width) // 2, (SIZE[1] - picture.height) // 2))
        out.append(camera(frame, rng=rng, noise=noise))
    return out


def points_of(frames):
    """The 68 landmarks of the largest face of each frame that shows one."""
    found = []
    for frame in frames:
        boxes = engine.detect(frame)
        if boxes:
            box = max(boxes, key=lambda b: b[1] - b[3])
            found.append(liveness.landmarks(np.asarray(frame), box))
    return found
