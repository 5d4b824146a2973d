"""Pictures in and out of the API."""

from django.http import Http404
from django.utils.translation import gettext as _

from portal.api.errors import ApiError, image_error
from portal.core.files import file_response
from recognition import imaging
from recognition.services import upload_read


def read_image(upload, field="image"):
    """The bytes of an uploaded picture, or a 400/413/415 ApiError naming the field."""
    try:
        return upload_read(upload)
    except imaging.ImageRejected as exc:
        raise image_error(exc, field) from None


def image_response(field):
    """A stored photo as the response body (portal.core.files: typed, nosniff, private caching)."""
    try:
        return file_response(field)
    except Http404:
        raise ApiError(404, "not_found", _("The file is not in storage.")) from None
