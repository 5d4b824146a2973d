"""Files written again and again under one name, replaced whole.

A camera's latest picture is rewritten every few seconds under the same name,
and read meanwhile by the pages. Django's FileSystemStorage either picks a new
name (the default) or truncates the file and writes into it (allow_overwrite),
when a reader can get half a picture. This one writes beside the file and
renames over it, so a reader sees the old picture or the new one. In a bucket
(MEDIA_S3_BUCKET) the "replaced" storage is S3Storage with file_overwrite: one
PUT replaces the object whole, so it needs nothing of this.
"""

import os
import tempfile
from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages


class ReplacingFileSystemStorage(FileSystemStorage):
    def get_available_name(self, name, max_length=None):
        return name

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name


def replaced_storage():
    """The storage of files replaced in place (settings.STORAGES["replaced"])."""
    return storages["replaced"]
