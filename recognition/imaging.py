"""Decoding uploads and drawing results: Pillow and numpy only.

No Django and no dlib here, so the web process can validate an upload
without loading the face models.
"""

import functools
import io
import math
import threading
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image, ImageDraw, ImageFile, ImageFont, ImageOps, UnidentifiedImageError

from recognition import texts


class ImageRejected(ValueError):
    """An upload that cannot be used, with a message a person understands.

    `code` is one of: empty, too_large, not_image, truncated, too_many_pixels.
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# The only formats Pillow may open. Pillow knows dozens more, some of which hand
# the bytes to other programs (EPS and PS to Ghostscript): an upload must never
# reach those. The stored file's suffix is chosen from this table too, never
# from the name the client sent.
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif"}
NOT_IMAGE = texts.NOT_IMAGE


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000


def _megabytes(n):
    return f"{n / (1024 * 1024):.1f} MB"


def check_size(size, limits):
    if size == 0:
        raise ImageRejected("empty", texts.EMPTY)
    if size > limits.max_bytes:
        raise ImageRejected(
            "too_large", texts.fill(texts.TOO_LARGE, size=_megabytes(size), limit=_megabytes(limits.max_bytes))
        )


def decode(data, limits=Limits()):
    """Bytes -> an upright RGB PIL image, or ImageRejected.

    EXIF orientation is applied; grayscale, palette, RGBA, CMYK and 16-bit
    images become 8-bit RGB.
    """
    check_size(len(data), limits)
    # A truncated file must be an error, never a half-grey picture; set on
    # every call because face_recognition turns this global on when imported.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # Pillow's own bomb check sits at twice its limit; ours is checked below
    # from the header, before any pixel is decoded.
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        try:
            image = Image.open(io.BytesIO(data), formats=tuple(FORMATS))
        except UnidentifiedImageError:
            raise ImageRejected("not_image", NOT_IMAGE) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected("truncated", texts.fill(texts.DAMAGED, error=exc)) from None
        width, height = image.size
        if width * height > limits.max_pixels:
            raise ImageRejected(
                "too_many_pixels",
                texts.fill(
                    texts.TOO_MANY_PIXELS,
                    width=width,
                    height=height,
                    megapixels=f"{width * height / 1e6:.1f}",
                    limit=f"{limits.max_pixels / 1e6:.0f}",
                ),
            )
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected("truncated", texts.fill(texts.DAMAGED, error=exc)) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    image = ImageOps.exif_transpose(image)
    return to_rgb(image)


def stored_name(data, stem):
    """A file name for storing `data`: `stem` and the suffix of the image type
    its bytes are (".bin" for anything else; callers decode first)."""
    try:
        with Image.open(io.BytesIO(data), formats=tuple(FORMATS)) as image:
            suffix = FORMATS.get(image.format, ".bin")
    except (OSError, SyntaxError, ValueError):
        suffix = ".bin"
    return f"{stem}{suffix}"


def to_rgb(image):
    if image.mode == "RGB":
        return image
    if image.mode in {"I;16", "I;16B", "I;16L", "I;16N", "I"}:
        # 16- or 32-bit grey: scale to 8 bits by the image's own range.
        array = np.asarray(image, dtype=np.float64)
        top = array.max() or 1.0
        image = Image.fromarray((array * (255.0 / top)).clip(0, 255).astype(np.uint8), mode="L")
    elif image.mode == "F":
        array = np.asarray(image, dtype=np.float64)
        top = array.max() or 1.0
        image = Image.fromarray((array * (255.0 / top)).clip(0, 255).astype(np.uint8), mode="L")
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas become white rather than black.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def to_array(image):
    return np.asarray(image, dtype=np.uint8)


def scaled_copy(image, max_side):
    """A copy no larger than max_side on its longest side, and the scale used."""
    width, height = image.size
    longest = max(width, height)
    if longest <= max_side:
        return image, 1.0
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR), scale


# EXIF: the Exif sub-IFD, and in it the moment the shutter was pressed
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867


def exif_taken_at(data):
    """When a photo says it was taken (EXIF DateTimeOriginal), as a naive
    local datetime; None when absent or unreadable. Cameras write local wall
    time with no zone, so the caller decides which zone it is."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            raw = image.getexif().get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL)
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        return None
    if not isinstance(raw, str):
        return None
    try:
        return datetime.strptime(raw.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


THUMB_SMALL = 160  # a face, for lists and the kiosk greeting
THUMB_MEDIUM = 480  # the whole photo, for the person page's tiles


def face_crop(image, box, margin=0.5):
    """The face with `margin` of its height around it, as a square when the image allows."""
    top, right, bottom, left = box
    pad = int((bottom - top) * margin)
    side = max(bottom - top, right - left) + 2 * pad
    cx, cy = (left + right) // 2, (top + bottom) // 2
    half = side // 2
    return image.crop((max(0, cx - half), max(0, cy - half), min(image.width, cx + half), min(image.height, cy + half)))


def thumbnails(image, box=None):
    """(small, medium) JPEG bytes: small is the face when its box is known
    (else the middle of the picture), medium the whole picture scaled down, so
    a face box in percent still fits it."""
    if box:
        small_source = face_crop(image, box)
    else:
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        small_source = image.crop((left, top, left + side, top + side))
    return thumbnail_jpeg(small_source, THUMB_SMALL), thumbnail_jpeg(image, THUMB_MEDIUM)


def thumbnail_jpeg(image, max_side=320, quality=85):
    copy = image.copy()
    copy.thumbnail((max_side, max_side))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=quality)
    return out.getvalue()


ELLIPSIS = "\u2026"


def label_font(size, font_path=None, font_index=0):
    """The font for labels: `font_path` (one covering every script the names use),
    else Pillow's built-in font, which draws only Latin-1 and shows boxes for the rest."""
    if font_path:
        return ImageFont.truetype(font_path, size, index=font_index)
    return ImageFont.load_default(size=size)


@functools.cache
def font_characters(font_path, font_index=0):
    """The code points a font has glyphs for (its best cmap), read once per process."""
    from fontTools.ttLib import TTFont

    font = TTFont(font_path, fontNumber=font_index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or ())
    finally:
        font.close()


class FontChain:
    """A label font and a second one for the letters the first lacks: a CJK font has no
    Latin Extended-A (Czech ř, Polish ł), which Pillow drew as boxes. Pillow has no
    fallback of its own, so the text is drawn in runs, each in the first font that has it."""

    def __init__(self, size, font_path, font_index=0, fallback_path=""):
        self.primary = ImageFont.truetype(font_path, size, index=font_index)
        self.fallback = ImageFont.truetype(fallback_path, size) if fallback_path else None
        self.known = font_characters(font_path, font_index)

    def getmetrics(self):
        ascent, descent = self.primary.getmetrics()
        if self.fallback is not None:
            more = self.fallback.getmetrics()
            ascent, descent = max(ascent, more[0]), max(descent, more[1])
        return ascent, descent

    def runs(self, text):
        """(piece, font) in order; characters the first font lacks go to the second."""
        found = []
        for ch in text:
            font = self.primary if self.fallback is None or ord(ch) in self.known or ch.isspace() else self.fallback
            if found and found[-1][1] is font:
                found[-1][0] += ch
            else:
                found.append([ch, font])
        return [(piece, font) for piece, font in found]

    def length(self, draw, text):
        return sum(draw.textlength(piece, font=font) for piece, font in self.runs(text))

    def draw(self, draw, xy, text, fill):
        x, y = xy
        for piece, font in self.runs(text):
            draw.text((x, y), piece, fill=fill, font=font)
            x += draw.textlength(piece, font=font)


_loaded = threading.local()
LOADED_FONTS_MAX = 16


def _label_fonts(size, font_path, font_index, fallback_path):
    """The labels' fonts at `size`, loaded once per thread: fonts opened afresh for every result
    picture render their glyphs afresh too (measured: 4.4 ms of CPU a picture against 2.5 with
    the fonts kept). Per thread, because one FreeType face must not draw in two threads at once."""
    fonts = _loaded.__dict__.setdefault("fonts", {})
    key = (size, font_path, font_index, fallback_path)
    if key not in fonts:
        if len(fonts) >= LOADED_FONTS_MAX:  # pictures of many sizes: the sizes seen lately stay
            fonts.clear()
        fonts[key] = FontChain(size, font_path, font_index, fallback_path) if font_path else label_font(size)
    return fonts[key]


def _length(draw, text, font):
    return font.length(draw, text) if isinstance(font, FontChain) else draw.textlength(text, font=font)


def fit_text(draw, text, font, max_width):
    """`text`, cut with an ellipsis where needed so that it is at most `max_width` wide."""
    if _length(draw, text, font) <= max_width:
        return text
    # binary search on the number of characters kept: widths grow with length
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _length(draw, text[:middle].rstrip() + ELLIPSIS, font) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ELLIPSIS


def annotate(image, faces, quality=90, *, font_path=None, font_index=0, fallback_path=""):
    """Draw a box around every face and its label above the box.

    `faces` is a list of (box, label, known) with box = (top, right, bottom,
    left) in the image's pixels. A label too wide for the picture ends in an
    ellipsis and is moved left so that it stays inside. `font_path`: a font
    covering the scripts of the labels (the portal passes PORTAL_FONT_PATH).
    Returns JPEG bytes.
    """
    canvas = image.copy()
    draw = ImageDraw.Draw(canvas)
    width, height = canvas.size
    longest = max(canvas.size)
    line = max(2, longest // 300)
    size = max(14, longest // 40)
    font = _label_fonts(size, font_path, font_index, fallback_path)
    pad = max(3, line)
    # one line height for every label, so that accents and CJK sit alike
    ascent, descent = font.getmetrics() if hasattr(font, "getmetrics") else (font.size, 0)
    text_h = ascent + descent
    for (top, right, bottom, left), label, known in faces:
        colour = (0, 170, 80) if known else (220, 40, 40)
        draw.rectangle([(left, top), (right, bottom)], outline=colour, width=line)
        label = fit_text(draw, label, font, width - 2 * pad)
        text_w = math.ceil(_length(draw, label, font))
        label_h = text_h + 2 * pad
        label_top = top - label_h
        if label_top < 0:  # no room above: put the label inside the box's top
            label_top = top
        label_top = max(0, min(label_top, height - label_h))
        label_left = max(0, min(left, width - text_w - 2 * pad))
        draw.rectangle([(label_left, label_top), (label_left + text_w + 2 * pad, label_top + label_h)], fill=colour)
        if isinstance(font, FontChain):
            font.draw(draw, (label_left + pad, label_top + pad), label, fill=(255, 255, 255))
        else:
            draw.text((label_left + pad, label_top + pad), label, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=quality)
    return out.getvalue()
