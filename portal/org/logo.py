"""The organization's logo: a picture checked by Pillow and drawn again, never stored as sent.

Only PNG and JPEG are taken, recognised by their content (not the file's name or the
browser's word), and never SVG, which can carry scripts. The picture is decoded and
its pixels copied into a new PNG, so nothing of the upload survives but the pixels:
no metadata, no text chunks, no bytes appended after the image. It is shrunk to fit
LOGO_BOX, larger than the header (40 px high) and the PDFs (24 pt) ever show it.
"""

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

LOGO_MAX_BYTES = 2 * 1024 * 1024
# a small file can still decode to a huge picture (a "decompression bomb"): refused before decoding
LOGO_MAX_PIXELS = 25_000_000
LOGO_BOX = (800, 240)
FORMATS = {"PNG", "JPEG"}


def logo_clean(data: bytes) -> bytes:
    """PNG bytes of the picture in `data`, redrawn; ValidationError when it is not a logo we take."""
    logo_size_check(len(data))
    try:
        picture = Image.open(io.BytesIO(data))
        if picture.format not in FORMATS:
            raise ValidationError(_("A logo must be a PNG or JPEG picture."), code="logo_format")
        if picture.width * picture.height > LOGO_MAX_PIXELS:
            raise ValidationError(_("The logo's picture is too large."), code="logo_pixels")
        picture.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("A logo must be a PNG or JPEG picture."), code="logo_format") from None
    picture = ImageOps.exif_transpose(picture)  # a phone's JPEG lies on its side otherwise
    transparent = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    picture = picture.convert("RGBA" if transparent else "RGB")
    picture.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    # only the pixels go on: a new picture has no metadata to carry over
    clean = Image.frombytes(picture.mode, picture.size, picture.tobytes())
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def logo_size_check(size: int) -> None:
    """ValidationError for a file larger than LOGO_MAX_BYTES (checked before it is read)."""
    if size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is larger than %(limit)s MB."), code="logo_too_large", params={"limit": LOGO_MAX_BYTES >> 20}
        )


def logo_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a stored logo."""
    with Image.open(io.BytesIO(data)) as picture:
        return picture.size
