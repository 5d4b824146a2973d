"""Reading frames from a camera: RTSP and HTTP MJPEG with PyAV, snapshot URLs with requests.

PyAV (FFmpeg's libraries, bundled in its wheels) rather than
opencv-python-headless: it gives the stream's own errors (401, connection
refused, invalid data) as distinct exceptions, so the camera can say what is
wrong; it takes FFmpeg's options directly (RTSP over TCP, socket timeouts);
and it decodes to numpy without OpenCV's 50 MB of image processing the
portal does not use (dlib and Pillow do that part).

Every reader yields (frame, wall-clock time) where frame is a callable giving
the RGB picture as a numpy array: decoding the compressed frame is needed for
every frame, converting it to RGB only for the ones analysed.

Errors become `StreamError` with a sentence for the admin; the URL in any
message is the masked one (credentials are never shown or logged).
"""

import io
import time

import av
import av.error
import numpy as np
import requests
from PIL import Image, UnidentifiedImageError

from portal.cameras import texts
from portal.cameras.models import Camera, mask_url


class StreamError(Exception):
    """The stream could not be opened or read; `message` says why, for the admin (in English: see texts)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def frames(camera, *, timeout, stop):
    """Frames of the camera until the stream ends (returns) or fails (StreamError).

    stop(): a callable saying the runner wants to stop; checked between frames.
    """
    if camera.kind == Camera.Kind.SNAPSHOT:
        yield from _snapshots(camera, timeout=timeout, stop=stop)
    else:
        yield from _stream(camera, timeout=timeout, stop=stop)


def _stream(camera, *, timeout, stop):
    url = camera.stream_url()
    options = {}
    if camera.kind == Camera.Kind.RTSP:
        # TCP: no frames half lost to UDP on a busy network; timeout in microseconds (a dead peer ends the read)
        options = {"rtsp_transport": "tcp", "timeout": str(int(timeout * 1_000_000))}
    else:
        options = {"rw_timeout": str(int(timeout * 1_000_000)), "reconnect": "0"}
    # probe one second, not five: the first frames reach the tracker sooner after (re)connecting
    options.update(analyzeduration="1000000", probesize="500000")
    try:
        container = av.open(url, options=options, timeout=(timeout, timeout))
    except Exception as exc:  # noqa: BLE001 - every failure to open is a message for the admin
        raise StreamError(explain(exc, camera)) from None
    try:
        if not container.streams.video:
            raise StreamError(texts.NO_VIDEO % {"kinds": _kinds(container)})
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in _decoded(container, stream, camera):
            yield (lambda f=frame: f.to_ndarray(format="rgb24")), time.time()
            if stop():
                return
    finally:
        container.close()


def _decoded(container, stream, camera):
    try:
        yield from container.decode(stream)
    except StreamError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise StreamError(explain(exc, camera)) from None


def _kinds(container):
    kinds = sorted({s.type for s in container.streams}) or [texts.NOTHING]
    return ", ".join(kinds)


def _snapshots(camera, *, timeout, stop):
    auth = (camera.username, camera.password) if camera.username else None
    with requests.Session() as session:
        while not stop():
            started = time.monotonic()
            try:
                response = session.get(camera.url, auth=auth, timeout=timeout)
            except requests.RequestException as exc:
                raise StreamError(texts.CANNOT_REACH % {"error": _scrub(exc, camera)}) from None
            if response.status_code in (401, 403):
                raise StreamError(_credentials_refused(response.status_code))
            if response.status_code != 200:
                raise StreamError(texts.SNAPSHOT_HTTP % {"status": response.status_code})
            try:
                picture = Image.open(io.BytesIO(response.content))
                picture.load()
            except (UnidentifiedImageError, OSError):
                raise StreamError(
                    texts.SNAPSHOT_NOT_PICTURE % {"type": response.headers.get("Content-Type", "?")}
                ) from None
            rgb = np.asarray(picture.convert("RGB"))
            yield (lambda a=rgb: a), time.time()
            time.sleep(max(0.0, camera.snapshot_seconds - (time.monotonic() - started)))


def _credentials_refused(status):
    return texts.CREDENTIALS_REFUSED % {"status": status}


def explain(exc, camera):
    """A sentence for the admin about why a stream failed; credentials masked."""
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return _credentials_refused(401 if isinstance(exc, av.error.HTTPUnauthorizedError) else 403)
    if isinstance(exc, av.error.HTTPNotFoundError):
        return texts.NOT_FOUND
    if isinstance(exc, av.error.ConnectionRefusedError):
        return texts.REFUSED
    if isinstance(exc, av.error.TimeoutError | TimeoutError):
        return texts.TIMEOUT
    if isinstance(exc, av.error.InvalidDataError):
        return texts.INVALID_DATA
    if isinstance(exc, av.error.EOFError):
        return texts.ENDED
    if isinstance(exc, av.error.HTTPError):
        return texts.HTTP_ERROR % {"error": _scrub(exc, camera)}
    if isinstance(exc, av.error.FFmpegError | OSError):
        return texts.CANNOT_READ % {"error": _scrub(exc, camera)}
    return texts.CANNOT_READ % {"error": _scrub(exc, camera)}


def _scrub(exc, camera):
    """The error's text without the URL's credentials (FFmpeg often quotes the URL it opened)."""
    text = str(exc)
    for secret in (camera.stream_url(), camera.url):
        text = text.replace(secret, mask_url(secret))
    if camera.password:
        text = text.replace(camera.password, "***")
    return text[:250]
