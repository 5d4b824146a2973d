"""Which encoder a worker runs, and which encoding version the gallery searches.

A gallery searches one encoding version, the *active* one, stored in the
database (GalleryVersion.encoding_version). The settings name the version
the portal wants (FACE_ENCODING_VERSION). When the two differ, every stored
photo is re-encoded in the background into the wanted version
(recognition/reencoding.py) while searches go on in the active one; when
all are done the gallery switches in one transaction.
"""

import logging

from django.conf import settings

log = logging.getLogger(__name__)
_started = False


def encoder_config():
    # the engine is imported here, not above: the web process reads versions (active, wanted)
    # and must never load dlib or ONNX Runtime (tests/portal/test_web_process.py)
    from recognition import encoders

    return encoders.Config(
        name=settings.FACE_ENCODER, cache_dir=settings.FACE_ENCODER_CACHE, threads=settings.FACE_ENCODER_THREADS
    )


def encoder_start():
    """Choose this process's encoder once, and say which it is.

    An ONNX graph that cannot be made or differs from dlib is refused, and
    the worker goes on with dlib's own network (the same encodings, slower)
    rather than stop recognising people.
    """
    from recognition import encoders, engine

    global _started
    if _started:
        return engine.encoder()
    config = encoder_config()
    try:
        chosen = engine.use_encoder(config)
    except (encoders.EncoderError, ValueError, OSError) as exc:
        log.error("face encoder: ONNX refused (%s); using dlib's own network instead", exc)
        chosen = engine.use_encoder(encoders.Config(name="dlib"))
    _started = True
    detail = f", graph {chosen.path}, {chosen.threads} thread(s)" if chosen.name == "onnx" else ""
    log.info("face encoder: %s%s; encoding version wanted: %s", chosen.name, detail, wanted())
    _zoo_start()
    return chosen


def _zoo_start():
    """Prepare YuNet and SFace now if they are used: a missing or altered file is said at start, not per face."""
    from recognition import engine, sface, yunet, zoo

    try:
        if settings.FACE_DETECTOR == "yunet":
            log.info("face detector: YuNet, graph %s", yunet.detector().path)
        if wanted() == sface.VERSION:
            log.info("face encoder: SFace, graph %s", engine.sface_encoder().path)
    except zoo.ZooError as exc:
        log.error("face models: %s", exc)


def wanted():
    return settings.FACE_ENCODING_VERSION


def active():
    """The version the gallery searches now."""
    from recognition.models import GalleryVersion

    return GalleryVersion.encoding_version_now() or wanted()


def to_encode():
    """The versions a new photo is encoded in: the active one, and the wanted one while they differ."""
    now, later = active(), wanted()
    return [now] if now == later else [now, later]


def match_rule(version=None):
    """The rule that decides for an encoding version (default: the active one).

    Thresholds belong to a version: the worker decides with this rule and every page
    that shows a threshold asks here, so what is shown is what decided.
    """
    from recognition import decision

    return decision.rule_for(
        mode=settings.FACE_MATCH_MODE, threshold=settings.FACE_MATCH_THRESHOLD, version=version or active()
    )


def review_group_distance(version=None):
    """How near an unknown face must be to a review entry to be the same stranger.

    By default the balanced threshold of the version (where a face is taken for an
    enrolled person's); REVIEW_GROUP_DISTANCE overrides it for every version.
    """
    from recognition import decision

    if settings.REVIEW_GROUP_DISTANCE is not None:
        return settings.REVIEW_GROUP_DISTANCE
    return decision.rule_for(mode="balanced", version=version or active()).threshold
