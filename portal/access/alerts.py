"""Alerts: written in the database (shown in the portal), sent as a signed webhook by a worker."""

import logging
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.access import texts
from portal.access.models import AccessEvent, Alert
from portal.access.transports import DeliveryFailed, webhook_post
from recognition.decision import SAME_FACE

log = logging.getLogger(__name__)


def alert_raise(*, kind, message, door=None, quiet_minutes=0):
    """An alert, unless the same kind was raised for the same door in the last `quiet_minutes`."""
    since = timezone.now() - timedelta(minutes=quiet_minutes)
    if quiet_minutes and Alert.objects.filter(kind=kind, door=door, at__gte=since).exists():
        return None
    alert = Alert.objects.create(kind=kind, message=message[:300], door=door)
    if settings.ALERT_WEBHOOK_URL:
        from portal.access.tasks import alert_send

        transaction.on_commit(lambda: alert_send.delay(alert.pk))
    else:
        Alert.objects.filter(pk=alert.pk).update(delivery="off")
    return alert


def unknown_refusals_check(*, door, at, face=None):
    """The same unrecognized face refused at a door ALERT_UNKNOWN_REFUSALS times within ALERT_UNKNOWN_MINUTES.

    `face`: the refused stranger's encoding (float32 bytes), compared with the
    strangers refused at this door in the window: closer than
    decision.SAME_FACE (dlib's own same-person bound) counts as the same
    face, so ten different visitors at a busy door raise nothing.
    """
    since = at - timedelta(minutes=settings.ALERT_UNKNOWN_MINUTES)
    unknown_faces_forget(before=since)
    if face is None:
        return None
    probe = np.frombuffer(bytes(face), dtype=np.float32)
    recent = (
        AccessEvent.objects.filter(door=door, reason="not_recognized", at__gt=since, at__lte=at)
        .exclude(unknown_face=None)
        .values_list("unknown_face", flat=True)
    )
    count = sum(
        1 for other in recent if np.linalg.norm(np.frombuffer(bytes(other), dtype=np.float32) - probe) < SAME_FACE
    )
    if count >= settings.ALERT_UNKNOWN_REFUSALS:
        return alert_raise(
            kind=Alert.Kind.UNKNOWN_REPEATED,
            door=door,
            message=texts.fill(
                texts.UNKNOWN_REPEATED, door=door.name, count=count, minutes=settings.ALERT_UNKNOWN_MINUTES
            ),
            quiet_minutes=settings.ALERT_UNKNOWN_MINUTES,
        )
    return None


def unknown_faces_forget(*, before):
    """Strangers' encodings go once the alert's window has passed: they serve nothing else."""
    return AccessEvent.objects.filter(at__lt=before).exclude(unknown_face=None).update(unknown_face=None)


def alert_deliver(*, pk):
    """POST one alert to ALERT_WEBHOOK_URL, signed; True when delivered."""
    alert = Alert.objects.select_related("door").filter(pk=pk).first()
    if alert is None or alert.delivery == "sent":
        return False
    payload = {
        "alert_id": alert.pk,
        "kind": alert.kind,
        "message": alert.message,
        "door": alert.door.address if alert.door else None,
        "at": alert.at.isoformat(),
    }
    Alert.objects.filter(pk=pk).update(attempts=alert.attempts + 1)
    try:
        webhook_post(
            url=settings.ALERT_WEBHOOK_URL,
            secret=settings.ALERT_WEBHOOK_SECRET,
            payload=payload,
            key=f"alert-{alert.pk}",
            timeout=5,
        )
    except DeliveryFailed:
        Alert.objects.filter(pk=pk).update(delivery="failed")
        raise
    Alert.objects.filter(pk=pk).update(delivery="sent")
    return True
