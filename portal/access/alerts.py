"""Alerts: written in the database (shown in the portal), sent as a signed webhook by a worker.

The Alert row is the outbox: written in the transaction that raised it, claimed
with a conditional update before each send (a broker may deliver the task twice,
and the sweep may find the row too), retried while young, and given up after
ALERT_DELIVERY_MAX_AGE_SECONDS. A receiver that refuses the request itself (a
4xx such as 401: a wrong secret) is not asked again.
"""

import logging
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.access import texts
from portal.access.models import AccessEvent, Alert
from portal.access.transports import DeliveryFailed, webhook_post
from recognition import versions
from recognition.decision import calibration

log = logging.getLogger(__name__)


def alert_raise(*, kind, message, door=None, zone=None, quiet_minutes=0):
    """An alert, unless the same kind was raised for the same door in the last `quiet_minutes`."""
    since = timezone.now() - timedelta(minutes=quiet_minutes)
    if quiet_minutes and Alert.objects.filter(kind=kind, door=door, at__gte=since).exists():
        return None
    delivery = Alert.Delivery.PENDING if settings.ALERT_WEBHOOK_URL else Alert.Delivery.OFF
    alert = Alert.objects.create(kind=kind, message=message, door=door, zone=zone, delivery=delivery)
    if delivery == Alert.Delivery.PENDING:
        transaction.on_commit(lambda: alert_enqueue(alert.pk))
    return alert


def alert_enqueue(pk):
    from portal.access.tasks import alert_send

    try:
        alert_send.delay(pk)
    except Exception as exc:  # noqa: BLE001 - the broker is down: the row waits for the sweep
        log.warning("alert %s: not queued (%s); the sweep will send it", pk, exc)


def unknown_refusals_check(*, door, at, face=None):
    """The same unrecognized face refused at a door ALERT_UNKNOWN_REFUSALS times within ALERT_UNKNOWN_MINUTES.

    `face`: the refused stranger's encoding (float32 bytes), compared with the
    strangers refused at this door in the window: closer than
    the active encoding version's same-face bound (decision.Calibration.same_face)
    counts as the same face, so ten different visitors at a busy door raise nothing.
    """
    since = at - timedelta(minutes=settings.ALERT_UNKNOWN_MINUTES)
    unknown_faces_forget(before=since)
    if face is None:
        return None
    probe = np.frombuffer(bytes(face), dtype=np.float32)
    same_face = calibration(versions.active()).same_face
    recent = (
        AccessEvent.objects.filter(door=door, reason="not_recognized", at__gt=since, at__lte=at)
        .exclude(unknown_face=None)
        .values_list("unknown_face", flat=True)
    )
    # a face kept from before a version switch (another size) is another version's: not compared
    others = (np.frombuffer(bytes(other), dtype=np.float32) for other in recent)
    count = sum(1 for other in others if other.shape == probe.shape and np.linalg.norm(other - probe) < same_face)
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


CLAIM_SECONDS = 60  # a claim older than this belongs to a dead worker (a send takes at most 5 s)
RETRYABLE = (Alert.Delivery.PENDING, Alert.Delivery.FAILED)


def alert_claim(pk, *, now=None):
    """Pending or failed (or left sending by a dead worker) -> sending; False if someone else has it."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    return bool(
        Alert.objects.filter(
            Q(delivery__in=RETRYABLE) | Q(delivery=Alert.Delivery.SENDING, claimed_at__lt=stale), pk=pk
        ).update(delivery=Alert.Delivery.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def alert_deliver(*, pk, now=None):
    """POST one alert to ALERT_WEBHOOK_URL, signed. Returns its delivery afterwards (None:
    someone else has it). Raises DeliveryFailed on a failure worth retrying."""
    now = now or timezone.now()
    if not alert_claim(pk, now=now):
        return None
    alert = Alert.objects.select_related("door").get(pk=pk)
    if now - alert.at > timedelta(seconds=settings.ALERT_DELIVERY_MAX_AGE_SECONDS):
        return _settle(pk, Alert.Delivery.EXPIRED, alert.error or texts.DELIVERY_NEVER_IN_TIME)
    payload = {
        "alert_id": alert.pk,
        "kind": alert.kind,
        "message": alert.message,
        "door": alert.door.address if alert.door else None,
        "at": alert.at.isoformat(),
    }
    try:
        webhook_post(
            url=settings.ALERT_WEBHOOK_URL,
            secret=settings.ALERT_WEBHOOK_SECRET,
            payload=payload,
            key=f"alert-{alert.pk}",
            timeout=5,
        )
    except DeliveryFailed as exc:
        if exc.permanent:
            log.warning("alert %s refused by the webhook: %s", pk, exc)
            return _settle(pk, Alert.Delivery.REFUSED, exc.message)
        _settle(pk, Alert.Delivery.FAILED, exc.message)
        raise
    return _settle(pk, Alert.Delivery.SENT, "")


def _settle(pk, delivery, error):
    Alert.objects.filter(pk=pk, delivery=Alert.Delivery.SENDING).update(delivery=delivery, error=error)
    return delivery


def alerts_sweep(*, now=None):
    """The alerts to send again: pending ones whose task was lost (the broker was down),
    failed ones, and ones left sending by a dead worker. Too old ones are given up here.
    Returns their ids, oldest first."""
    now = now or timezone.now()
    if not settings.ALERT_WEBHOOK_URL:
        return []
    oldest = now - timedelta(seconds=settings.ALERT_DELIVERY_MAX_AGE_SECONDS)
    waiting = Alert.objects.filter(
        Q(delivery__in=RETRYABLE)
        | Q(delivery=Alert.Delivery.SENDING, claimed_at__lt=now - timedelta(seconds=CLAIM_SECONDS))
    )
    waiting.filter(at__lt=oldest).update(delivery=Alert.Delivery.EXPIRED)
    # a pending alert raised a moment ago still has its own task on the way
    recent = now - timedelta(seconds=CLAIM_SECONDS)
    return list(
        waiting.filter(at__gte=oldest)
        .exclude(delivery=Alert.Delivery.PENDING, at__gte=recent)
        .order_by("at", "id")
        .values_list("pk", flat=True)
    )
