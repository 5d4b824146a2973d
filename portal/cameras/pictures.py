"""A camera's latest picture as a file, replaced in place, not a database row.

The runner writes a small JPEG every few seconds per camera: as a column of the
camera's row that was a write of the row (and a dead tuple for PostgreSQL to vacuum)
every 2 seconds per camera, and every listing had to defer it (issue 24). One file
per camera under MEDIA_ROOT/cameras/live/, written beside itself and renamed over
the old one, so a reader sees either the old picture or the new one, never half.
The row keeps only `last_picture_at`.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings

FOLDER = "cameras/live"


def _path(camera_id):
    return Path(settings.MEDIA_ROOT) / FOLDER / f"{int(camera_id)}.jpg"


def camera_picture_write(camera_id, jpeg):
    path = _path(camera_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(jpeg)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def camera_picture_read(camera_id):
    """The latest picture's bytes, or None before the first."""
    try:
        return _path(camera_id).read_bytes()
    except FileNotFoundError:
        return None


def camera_picture_delete(camera_id):
    _path(camera_id).unlink(missing_ok=True)
