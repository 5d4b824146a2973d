"""Is a face good enough to enroll? Pillow and numpy only: no Django, no dlib.

Every threshold is an argument (portal/settings.py holds the portal's values),
so a calibration script can run exactly these checks. Each problem comes with
a message a person can act on.

Sharpness and brightness are measured on the face box only, averaged down to
64x64 pixels: at that scale a large but soft face and a small crisp one are
compared on the same features (eyes, nose, mouth), and JPEG noise and the
upscaling of small faces are averaged away. The default thresholds were
checked on LFW (faces about 100 pixels wide): see README, "Enrollment".
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from recognition import texts

CHIP = 64  # side of the face copy sharpness and brightness are measured on


@dataclass(frozen=True)
class Thresholds:
    min_face_px: int = 80  # face box width, roughly temple to temple
    min_sharpness: float = 50.0  # variance of the Laplacian over the 64x64 face
    min_brightness: float = 40.0  # mean grey level of the face, 0-255
    max_brightness: float = 220.0
    # a photo with several faces is used if its largest face is at least this
    # many times wider than any other (people far behind the person)
    dominant_ratio: float = 1.5
    # the face box must stay this many pixels inside the image
    edge_margin: int = 1


@dataclass(frozen=True)
class Problem:
    code: str  # stable, for grouping: too_small, cut_off, too_dark, washed_out, blurry
    message: str


@dataclass(frozen=True)
class Measures:
    width: int
    sharpness: float
    brightness: float
    touches_edge: bool


def dominant_face(boxes, ratio=Thresholds.dominant_ratio):
    """Index of the one face to enroll among `boxes`, or None when there is no
    clear one. Boxes are (top, right, bottom, left)."""
    if not boxes:
        return None
    widths = [box[1] - box[3] for box in boxes]
    order = sorted(range(len(boxes)), key=lambda i: widths[i], reverse=True)
    if len(order) == 1 or widths[order[0]] >= ratio * widths[order[1]]:
        return order[0]
    return None


def measure(image, box, edge_margin=Thresholds.edge_margin):
    """Size, sharpness, brightness and edge contact of one face in a PIL image."""
    top, right, bottom, left = (int(v) for v in box)
    width, height = image.size
    touches = left < edge_margin or top < edge_margin or right > width - edge_margin or bottom > height - edge_margin
    chip = image.convert("L").crop((left, top, right, bottom)).resize((CHIP, CHIP), Image.Resampling.BOX)
    grey = np.asarray(chip, dtype=np.float32)
    return Measures(
        width=right - left,
        sharpness=laplacian_variance(grey),
        brightness=float(grey.mean()),
        touches_edge=touches,
    )


def laplacian_variance(grey):
    """Variance of the 4-neighbour Laplacian: low when edges are soft."""
    lap = grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1] - 4.0 * grey[1:-1, 1:-1]
    return float(lap.var())


def face_problem(image, box, thresholds=Thresholds()):
    """The first reason this face should not be enrolled, or None."""
    m = measure(image, box, thresholds.edge_margin)
    if m.width < thresholds.min_face_px:
        return Problem(
            "too_small",
            texts.fill(texts.TOO_SMALL, width=m.width, minimum=thresholds.min_face_px),
        )
    if m.touches_edge:
        return Problem(
            "cut_off",
            texts.CUT_OFF,
        )
    if m.brightness < thresholds.min_brightness:
        return Problem(
            "too_dark",
            texts.fill(texts.TOO_DARK, brightness=f"{m.brightness:.0f}", minimum=f"{thresholds.min_brightness:.0f}"),
        )
    if m.brightness > thresholds.max_brightness:
        return Problem(
            "washed_out",
            texts.fill(texts.WASHED_OUT, brightness=f"{m.brightness:.0f}", maximum=f"{thresholds.max_brightness:.0f}"),
        )
    if m.sharpness < thresholds.min_sharpness:
        return Problem(
            "blurry",
            texts.fill(texts.BLURRY, sharpness=f"{m.sharpness:.0f}", minimum=f"{thresholds.min_sharpness:.0f}"),
        )
    return None
