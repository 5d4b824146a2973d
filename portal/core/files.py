"""Stored files as HTTP answers, after a view has checked who may read them.

There is no blanket /media/ address: each kind of file (a face photo, a
capture's pictures, an export) has its own view that decides whether this
user may read this file, then answers through `file_response`. Every answer
says what the file is (from the suffix the server chose when storing it),
tells the browser not to guess otherwise (nosniff), and is never a page that
could run a script: anything not on the list of picture types is a download.

Behind a proxy, MEDIA_SENDFILE hands the bytes to nginx (X-Accel-Redirect to
an `internal` location) or Apache/lighttpd (X-Sendfile); the view still
decides who may read. With media in a bucket the portal streams the object,
or, with MEDIA_S3_SIGNED_URL_SECONDS, redirects to an address signed for that
long, which names the type and the disposition the bucket must answer with.
"""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

# the only types served inline; the services store pictures with these suffixes
INLINE_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
}


def file_response(field, *, download_name=None, content_type=None, cache="private, max-age=3600"):
    """The file of a FileField, or Http404 when it is not in storage.

    Pictures of a known type are shown inline; everything else (and anything
    with `download_name`) is an attachment.
    """
    if not field or not field.name:
        raise Http404(_("The file is not in storage."))
    suffix = Path(field.name).suffix.lower()
    inline = download_name is None and suffix in INLINE_TYPES
    content_type = content_type or INLINE_TYPES.get(suffix, "application/octet-stream")
    name = download_name or Path(field.name).name
    disposition = "inline" if inline else "attachment"
    mode = settings.MEDIA_SENDFILE
    response: HttpResponseBase
    if settings.MEDIA_S3_BUCKET and settings.MEDIA_S3_SIGNED_URL_SECONDS:
        return _signed_redirect(field, content_type, f'{disposition}; filename="{_ascii(name)}"')
    if mode:
        if not field.storage.exists(field.name):
            raise Http404(_("The file is not in storage."))
        response = HttpResponse(content_type=content_type)
        if mode == "x-accel-redirect":
            response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + field.name
        else:
            response["X-Sendfile"] = str(Path(field.path))
        response["Content-Disposition"] = f'{disposition}; filename="{_ascii(name)}"'
    else:
        try:
            handle = field.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404(_("The file is not in storage.")) from None
        response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    # even if a browser rendered it, the file could run nothing
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _signed_redirect(field, content_type, disposition):
    if not field.storage.exists(field.name):
        raise Http404(_("The file is not in storage."))
    url = field.storage.url(
        field.name,
        parameters={"ResponseContentType": content_type, "ResponseContentDisposition": disposition},
        expire=settings.MEDIA_S3_SIGNED_URL_SECONDS,
    )
    response = HttpResponseRedirect(url)
    # the address stops working after a while: nobody may keep it
    response["Cache-Control"] = "private, no-store"
    return response


def _ascii(name):
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)


def picture_response(data, *, cache="private, max-age=3600"):
    """A JPEG kept in the database (a face picture) as an answer, with the same guards as a stored file."""
    if not data:
        raise Http404("The picture is not stored.")
    response = HttpResponse(bytes(data), content_type="image/jpeg")
    response["Content-Disposition"] = 'inline; filename="face.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
