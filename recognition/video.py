"""Reading uploaded videos with PyAV (FFmpeg's libraries, bundled in its wheel): no Django, no dlib.

The web process probes an upload here (is it a video, how long, how large)
before storing it; the worker reads the frames to analyse.

FFmpeg guesses a file's format from its bytes and can then follow what the
file says: an HLS playlist or a concat list names other files and URLs to
open. An upload must never make the server read anything else, so the
container is recognised here from its first bytes (MP4/QuickTime, Matroska/
WebM, AVI, MPEG program stream) and FFmpeg is told that one demuxer; every
other format is refused before FFmpeg sees it.
"""

from dataclasses import dataclass
from importlib import import_module

from recognition import texts


def _av():
    # PyAV is loaded when a video is read, not when this module is imported: the web
    # process imports VideoRejected and Limits from here and must stay free of FFmpeg
    # until an upload is actually probed (tests/portal/test_web_process.py)
    return import_module("av")


# first bytes -> (FFmpeg demuxer, suffix of the stored file)
MP4 = ("mov", ".mp4")
MATROSKA = ("matroska", ".mkv")
AVI = ("avi", ".avi")
MPEG = ("mpeg", ".mpg")
MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


class VideoRejected(ValueError):
    """A video that cannot be used, with a message a person understands
    (in English, from recognition.texts: the portal shows it in the reader's language).

    `code`: empty, too_large, not_video, damaged, too_long, too_many_pixels.
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024
    max_seconds: float = 600
    max_pixels: int = 40_000_000


@dataclass(frozen=True)
class Probe:
    demuxer: str
    suffix: str
    duration: float | None  # seconds; None when the container does not say
    width: int
    height: int
    fps: float | None


def container_of(head):
    """(demuxer, suffix) for the first bytes of a file, or None."""
    if len(head) >= 8 and head[4:8] in MP4_BOXES:
        return MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return MATROSKA
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return AVI
    if head[:4] == b"\x00\x00\x01\xba":
        return MPEG
    return None


def _megabytes(n):
    return f"{n / (1024 * 1024):.0f} MB"


def check_size(size, limits):
    if size == 0:
        raise VideoRejected("empty", texts.EMPTY)
    if size > limits.max_bytes:
        raise VideoRejected(
            "too_large", texts.fill(texts.VIDEO_TOO_LARGE, size=_megabytes(size), limit=_megabytes(limits.max_bytes))
        )


def open_video(handle, demuxer):
    """An av container for a binary file object, with the one demuxer its bytes showed."""
    handle.seek(0)
    return _av().open(handle, mode="r", format=demuxer)


def probe(handle, size, limits=Limits()):
    """Check an uploaded video (a binary file object of `size` bytes); returns a Probe or raises VideoRejected."""
    check_size(size, limits)
    handle.seek(0)
    kind = container_of(handle.read(16))
    if kind is None:
        raise VideoRejected("not_video", texts.VIDEO_NOT_VIDEO)
    demuxer, suffix = kind
    try:
        with open_video(handle, demuxer) as container:
            if not container.streams.video:
                raise VideoRejected("not_video", texts.VIDEO_NO_PICTURE)
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            duration = _duration(container, stream)
            fps = float(stream.average_rate) if stream.average_rate else None
            # one frame decoded: a file whose header is fine but whose pictures are not is refused now
            first = next(container.decode(stream), None)
            if first is None:
                raise VideoRejected("damaged", texts.VIDEO_UNDECODABLE)
            width, height = width or first.width, height or first.height
    except VideoRejected:
        raise
    except (_av().FFmpegError, ValueError, OSError, IndexError) as exc:
        raise VideoRejected("damaged", texts.fill(texts.VIDEO_DAMAGED, error=_short(exc))) from None
    if width * height > limits.max_pixels:
        raise VideoRejected(
            "too_many_pixels",
            texts.fill(texts.VIDEO_TOO_MANY_PIXELS, width=width, height=height, limit=f"{limits.max_pixels / 1e6:.0f}"),
        )
    if duration is not None and duration > limits.max_seconds:
        raise VideoRejected(
            "too_long",
            texts.fill(texts.VIDEO_DURATION, seconds=f"{duration:.0f}", limit=f"{limits.max_seconds:.0f}"),
        )
    return Probe(demuxer=demuxer, suffix=suffix, duration=duration, width=width, height=height, fps=fps)


def _duration(container, stream):
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / _av().time_base
    return None


def _short(exc):
    return str(exc).splitlines()[0][:150] if str(exc) else type(exc).__name__


def frames(handle, demuxer, *, fps, max_seconds):
    """(seconds into the video, RGB uint8 array) for about `fps` frames a second, up to max_seconds.

    Frames are picked by their timestamps, so a variable frame rate (phones)
    is sampled evenly in time. Raises VideoRejected if the video breaks.
    """
    step = 1.0 / fps
    due = 0.0
    try:
        with open_video(handle, demuxer) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"  # FFmpeg decodes on several threads: decoding is not the slow part then
            for index, frame in enumerate(container.decode(stream)):
                t = frame.time if frame.time is not None else index / float(stream.average_rate or 25)
                if t > max_seconds:
                    return
                if t + 1e-6 < due:
                    continue
                due = max(due + step, t + step / 2)
                yield t, frame.to_ndarray(format="rgb24")
    except (_av().FFmpegError, ValueError, OSError) as exc:
        raise VideoRejected("damaged", texts.fill(texts.VIDEO_DAMAGED, error=_short(exc))) from None
