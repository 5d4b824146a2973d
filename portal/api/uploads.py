"""Pictures in and out of the API."""

import mimetypes

from django.http import FileResponse

from portal.api.errors import ApiError, image_error
from recognition import imaging
from recognition.services import upload_read


def read_image(upload, field="image"):
    """The bytes of an uploaded picture, or a 400/413/415 ApiError naming the field."""
    try:
        return upload_read(upload)
    except imaging.ImageRejected as exc:
        raise image_error(exc, field) from None


def image_response(field):
    """A stored photo as the response body; faces are personal data, so private caching only."""
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise ApiError(404, "not_found", "The file is not in storage.") from None
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
