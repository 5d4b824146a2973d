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

Errors become `StreamError` with a sentence for the admin that does not say
what answered at the address (a refused port, a database, a web page all read
"no video stream here": the health page must not be a port scanner of the
runner's network) and the details for the runner's log; the URL in any of it
is the masked one (credentials are never shown or logged).

Before opening, the address is checked again (portal.cameras.addresses, host
names resolved), and FFmpeg may use only the protocols of the camera's kind:
no file:, no concat:, no subfile: reached through a playlist or a redirect.
"""

import io
import time

import av
import av.error
import numpy as np
import requests
from PIL import Image, UnidentifiedImageError

from portal.cameras import texts
from portal.cameras.addresses import AddressRefused, address_check
from portal.cameras.models import Camera, mask_url

# the protocols FFmpeg may open for each kind (its default is every protocol it was built with)
PROTOCOLS = {Camera.Kind.RTSP: "rtsp,rtsps,tcp,udp,tls,rtp,srtp", Camera.Kind.MJPEG: "http,https,tcp,tls"}


class StreamError(Exception):
    """The stream could not be opened or read; `message` says why, for the admin (in English: see texts);
    `detail`, what the library said, for the runner's log only."""

    def __init__(self, message, detail=""):
        super().__init__(message)
        self.message = message
        self.detail = detail


def frames(camera, *, timeout, stop):
    """Frames of the camera until the stream ends (returns) or fails (StreamError).

    stop(): a callable saying the runner wants to stop; checked between frames.
    """
    try:
        address_check(camera.url, camera.kind, resolve=True)
    except AddressRefused as refused:
        raise StreamError(texts.NOT_ALLOWED, detail=f"address refused: {refused.code}") from None
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
    options.update(analyzeduration="1000000", probesize="500000", protocol_whitelist=PROTOCOLS[camera.kind])
    try:
        container = av.open(url, options=options, timeout=(timeout, timeout))
    except Exception as exc:  # noqa: BLE001 - every failure to open is a message for the admin
        raise explain(exc, camera) from None
    try:
        if not container.streams.video:
            raise StreamError(texts.NO_STREAM, detail=f"no video, only {_kinds(container)}")
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
        raise explain(exc, camera) from None


def _kinds(container):
    kinds = sorted({s.type for s in container.streams}) or ["nothing"]
    return ", ".join(kinds)


def _snapshots(camera, *, timeout, stop):
    auth = (camera.username, camera.password) if camera.username else None
    with requests.Session() as session:
        while not stop():
            started = time.monotonic()
            try:
                # no redirects: a redirect would lead the request to an address nobody checked
                response = session.get(camera.url, auth=auth, timeout=timeout, allow_redirects=False)
            except requests.RequestException as exc:
                raise StreamError(texts.NO_STREAM, detail=_scrub(exc, camera)) from None
            if response.status_code in (401, 403):
                raise StreamError(_credentials_refused(response.status_code))
            if response.status_code != 200:
                raise StreamError(texts.NO_PICTURE, detail=f"HTTP {response.status_code}")
            try:
                picture = Image.open(io.BytesIO(response.content))
                picture.load()
            except (UnidentifiedImageError, OSError):
                content_type = response.headers.get("Content-Type", "?")
                raise StreamError(texts.NO_PICTURE, detail=f"not a picture: {content_type}") from None
            rgb = np.asarray(picture.convert("RGB"))
            yield (lambda a=rgb: a), time.time()
            time.sleep(max(0.0, camera.snapshot_seconds - (time.monotonic() - started)))


def _credentials_refused(status):
    return texts.CREDENTIALS_REFUSED % {"status": status}


def explain(exc, camera):
    """Why a stream failed: a StreamError with a sentence for the admin (the credentials refused, or no
    stream at this address: never what answered instead) and the library's words for the log."""
    detail = f"{type(exc).__name__}: {_scrub(exc, camera)}"
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return StreamError(_credentials_refused(401 if isinstance(exc, av.error.HTTPUnauthorizedError) else 403))
    return StreamError(texts.NO_STREAM, detail=detail)


def _scrub(exc, camera):
    """The error's text without the URL's credentials (FFmpeg often quotes the URL it opened)."""
    text = str(exc)
    for secret in (camera.stream_url(), camera.url):
        text = text.replace(secret, mask_url(secret))
    if camera.password:
        text = text.replace(camera.password, "***")
    return text[:250]
