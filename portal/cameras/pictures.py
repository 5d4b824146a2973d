"""A camera's latest picture as a file, replaced in place, not a database row.

The runner writes a small JPEG every few seconds per camera: as a column of the
camera's row that was a write of the row (and a dead tuple for PostgreSQL to vacuum)
every 2 seconds per camera, and every listing had to defer it (issue 24). One file
per camera, cameras/live/ID.jpg in the "replaced" storage (portal.core.storage):
in a folder written beside itself and renamed over the old one, in a bucket one
PUT; a reader sees either the old picture or the new one, never half.
The row keeps only `last_picture_at`.
"""

from django.core.files.base import ContentFile

from portal.core.storage import replaced_storage

FOLDER = "cameras/live"


def _name(camera_id):
    return f"{FOLDER}/{int(camera_id)}.jpg"


def camera_picture_write(camera_id, jpeg):
    replaced_storage().save(_name(camera_id), ContentFile(jpeg))


def camera_picture_read(camera_id):
    """The latest picture's bytes, or None before the first."""
    try:
        with replaced_storage().open(_name(camera_id), "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def camera_picture_delete(camera_id):
    replaced_storage().delete(_name(camera_id))
