"""Delivering the door-command outbox: in time, or not at all.

A command is claimed with a conditional update (a broker may deliver the task
twice, and the sweeper may find it too), then sent, retried with a growing
pause while it is young enough, and marked expired once it is older than
DOOR_COMMAND_MAX_AGE_SECONDS: a door must never open for someone who has
walked away.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from portal.access import texts
from portal.access.models import Alert, DoorCommand
from portal.access.transports import TRANSPORTS, DeliveryFailed

log = logging.getLogger(__name__)

# commands that close or restore a door: never dropped for being late
LOCKING = (DoorCommand.Command.LOCKDOWN, DoorCommand.Command.RELEASE)
FIRST_PAUSE = 0.1
MAX_PAUSE = 1.0
# the decider's own try (door_commands_send_now): one attempt, this long at most, then the queue's
# task takes over; a broker that does not answer must not hold the next person at a kiosk
FIRST_TRY_SECONDS = 0.5


def max_age():
    return timedelta(seconds=settings.DOOR_COMMAND_MAX_AGE_SECONDS)


def command_claim(pk):
    """Pending -> sending; False if someone else has it. A claim older than the
    max age belongs to a dead worker and can be taken (only to expire it)."""
    now = timezone.now()
    stale = now - max_age() - timedelta(seconds=30)
    return bool(
        DoorCommand.objects.filter(
            Q(status=DoorCommand.Status.PENDING) | Q(status=DoorCommand.Status.SENDING, claimed_at__lt=stale), pk=pk
        ).update(status=DoorCommand.Status.SENDING, claimed_at=now)
    )


def _expire(command, error):
    DoorCommand.objects.filter(pk=command.pk).update(status=DoorCommand.Status.EXPIRED, error=error)
    log.warning(
        "door command %s (%s %s via %s, issued %s) expired undelivered: %s",
        command.pk,
        command.command,
        command.door,
        command.channel,
        command.issued_at.isoformat(),
        error,
    )
    delivery_failure_alert(door=command.door)


def _superseded(command):
    """A later lock-side command for the same door and channel makes this one pointless."""
    return DoorCommand.objects.filter(
        door_id=command.door_id,
        channel=command.channel,
        issued_at__gt=command.issued_at,
        command__in=LOCKING,
    ).exists()


def door_command_deliver(*, pk, sleep=time.sleep):
    """Deliver one outbox row. Returns its status afterwards (None: someone else has it)."""
    return door_commands_deliver(pks=[pk], sleep=sleep).get(pk)


def door_commands_send_now(*, commands):
    """The process that decided tries once, right after its commit, before anything else: no queue
    between the decision and the lock. What this try does not deliver is handed back as pending,
    for the queue's task (door_commands_deliver) to retry until its deadline. Returns {pk: status}
    of the rows claimed ("sent", or "pending": the caller queues those).

    commands: the rows as the decision wrote them, with their door: claimed here, not read again
    (nothing of a command that a send uses changes after it is written)."""
    return door_commands_deliver(
        pks=[command.pk for command in commands], once=True, written={command.pk: command for command in commands}
    )


def door_commands_deliver(*, pks, sleep=time.sleep, once=False, written=None):
    """Deliver outbox rows, each channel's at the same time as the others' and
    against its own deadline: a broker that does not answer never makes the
    webhook late, nor the reverse. Returns {pk: status} of the rows claimed.

    An unlock is tried until DOOR_COMMAND_MAX_AGE_SECONDS after its decision,
    then expired: late, it would open a door nobody stands at. A lockdown or a
    release is the opposite: late is better than never. It is tried for the
    same length of time per round and then handed back as pending, for the
    sweep to try again until it is delivered or a later one replaces it.

    The database is read and written only here, in the caller's thread; the
    sends run in threads of their own and touch nothing but the network.
    once: one attempt of at most FIRST_TRY_SECONDS per row; what it does not deliver is handed
    back as pending, never expired (door_commands_send_now). written: {pk: row} already in memory.
    """
    statuses = {}
    ready = []
    for pk in pks:
        if not command_claim(pk):
            continue
        command = (written or {}).get(pk) or DoorCommand.objects.select_related("door").get(pk=pk)
        if command.command in LOCKING and _superseded(command):
            _expire(command, texts.DELIVERY_REPLACED)
            statuses[pk] = DoorCommand.Status.EXPIRED
        else:
            ready.append(command)
    if len(ready) == 1:
        outcomes = [_send_until_deadline(ready[0], sleep, once)]
    elif ready:
        with ThreadPoolExecutor(max_workers=len(ready), thread_name_prefix="door-channel") as pool:
            outcomes = list(pool.map(lambda command: _send_until_deadline(command, sleep, once), ready))
    else:
        outcomes = []
    for command, (sent, attempts, error) in zip(ready, outcomes, strict=True):
        if sent:
            # one statement: the row is "sent" the moment the broker acknowledged, nothing in between
            DoorCommand.objects.filter(pk=command.pk).update(
                status=DoorCommand.Status.SENT, sent_at=sent, error="", attempts=F("attempts") + attempts
            )
            statuses[command.pk] = DoorCommand.Status.SENT
            continue
        DoorCommand.objects.filter(pk=command.pk).update(attempts=F("attempts") + attempts)
        if once:
            statuses[command.pk] = _hand_back(command, error, quietly=True)
        elif command.command not in LOCKING:
            _expire(command, error)
            statuses[command.pk] = DoorCommand.Status.EXPIRED
        else:
            statuses[command.pk] = _hand_back(command, error)
    return statuses


def _send_until_deadline(command, sleep, once=False):
    """Send over the command's channel, retrying with a growing pause until its
    deadline (once: a single attempt of at most FIRST_TRY_SECONDS).
    (sent at or None, attempts, last error). Network only: no database."""
    transport = TRANSPORTS[command.channel]()
    expires = command.command not in LOCKING
    deadline = command.issued_at + max_age() if expires else timezone.now() + max_age()
    if once:
        deadline = min(deadline, timezone.now() + timedelta(seconds=FIRST_TRY_SECONDS))
    pause, error, attempts = FIRST_PAUSE, texts.DELIVERY_NOT_TRIED, 0
    while True:
        remaining = (deadline - timezone.now()).total_seconds()
        if remaining <= 0:
            return None, attempts, error
        attempts += 1
        try:
            transport.send(
                topic_door=command.door.address, payload=command.payload(), key=command.key, timeout=remaining
            )
        except DeliveryFailed as exc:
            error = exc.message
            if exc.permanent:  # e.g. a 401: the same request will be refused again
                log.warning("door command %s via %s refused: %s", command.pk, command.channel, error)
                return None, attempts, error
            if once:
                return None, attempts, error
            log.info("door command %s via %s: %s; retrying", command.pk, command.channel, error)
            sleep(min(pause, max(remaining - 0.01, 0)))
            pause = min(pause * 2, MAX_PAUSE)
            continue
        return timezone.now(), attempts, ""


def _hand_back(command, error, *, quietly=False):
    """Sending -> pending, for the next try. quietly: the decider's first try failed, the queue's task
    retries at once (no alert yet: that task raises it if it fails too)."""
    DoorCommand.objects.filter(pk=command.pk, status=DoorCommand.Status.SENDING).update(
        status=DoorCommand.Status.PENDING, claimed_at=None, error=error
    )
    if quietly:
        log.info("door command %s via %s: first try failed (%s); queued", command.pk, command.channel, error)
        return DoorCommand.Status.PENDING
    log.warning(
        "door command %s (%s %s) not delivered yet, will retry: %s", command.pk, command.command, command.door, error
    )
    delivery_failure_alert(door=command.door)
    return DoorCommand.Status.PENDING


def door_commands_sweep(*, now=None):
    """Expire unlocks too old to send; hand back what is pending but whose task
    was lost (the broker was down): young unlocks, and lockdowns and releases of
    any age. Returns (expired, pending ids)."""
    now = now or timezone.now()
    stale_claim = now - max_age() - timedelta(seconds=30)
    unlocks = DoorCommand.objects.exclude(command__in=LOCKING)
    old = unlocks.filter(
        status__in=[DoorCommand.Status.PENDING, DoorCommand.Status.SENDING], issued_at__lt=now - max_age()
    ).exclude(status=DoorCommand.Status.SENDING, claimed_at__gte=stale_claim)
    expired = 0
    for command in old.select_related("door"):
        if DoorCommand.objects.filter(pk=command.pk, status=command.status).update(
            status=DoorCommand.Status.EXPIRED, error=command.error or texts.DELIVERY_NEVER_IN_TIME
        ):
            expired += 1
            log.warning("door command %s expired undelivered (sweep)", command.pk)
    # a lockdown or release left "sending" by a dead worker is pending again
    pending = DoorCommand.objects.filter(
        Q(status=DoorCommand.Status.PENDING)
        | Q(status=DoorCommand.Status.SENDING, claimed_at__lt=stale_claim, command__in=LOCKING)
    )
    young = list(
        pending.filter(Q(issued_at__gte=now - max_age()) | Q(command__in=LOCKING))
        .order_by("issued_at", "id")
        .values_list("pk", flat=True)
    )
    return expired, young


def delivery_failure_alert(*, door):
    """One alert per door per few minutes while its commands fail to arrive."""
    from portal.access.alerts import alert_raise

    alert_raise(
        kind=Alert.Kind.DELIVERY_FAILING,
        door=door,
        message=texts.fill(texts.DELIVERY_FAILING, door=door.name),
        quiet_minutes=settings.ALERT_UNKNOWN_MINUTES,
    )
