"""How a row of queued work is claimed, handed back, failed and (re)sent.

Every kind of work a worker does for a row (a capture, an enrollment photo,
an import, an export) follows the same life: `queued` -> working -> finished
or failed. A `Job` names the states of one kind; the functions here are the
one claim rule every task uses, so that a broker's redelivery, a dead worker
or a lost message never leaves a row stuck or processes it twice.
"""

import logging
import os
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.core.wakeups import channel, wake

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)
# a claim older than the task's hard limit plus this belongs to a dead worker
STALE_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class Job:
    """The states of one kind of row, its task, and what to tell the user when it breaks."""

    model: type
    queued: str
    working: str
    failed: str
    message_field: str
    task: str  # dotted path of the Celery task that takes the row's id
    hard_limit: int  # the task's time_limit: no live worker holds a claim longer
    too_long: str
    broken: str
    finished_field: str = "finished_at"


def retry_countdown(retries):
    """Seconds before retry number `retries` + 1: 1, 2, 4, 8, 16, then 30.

    Explicit, because task.retry() without a countdown waits Celery's default
    three minutes (retry_backoff applies only to autoretry_for).
    """
    return min(2**retries, 30)


def claim_token(request):
    """Who holds a claim: the delivery's task id and the process running it.

    A message the broker hands out again after its pool process died keeps its
    task id but runs in another process: that is how a redelivery of work
    whose row a dead process left `working` is told apart from a duplicate
    message while a live process still has the row.
    """
    task_id = getattr(request, "id", None)
    if not task_id:
        return ""
    return f"{task_id} {getattr(request, 'hostname', None) or '-'}:{os.getpid()}"


def claim(job, pk, *, token=""):
    """Move row `pk` from queued to working; False if a live worker has it.

    Claimable too: a row left working by an earlier delivery of this very
    message (its process died, so the broker handed the message back), and a
    row whose claim is older than the hard limit (its worker died).
    """
    now = timezone.now()
    stale = now - timedelta(seconds=job.hard_limit + STALE_MARGIN_SECONDS)
    claimable = Q(status=job.queued) | Q(status=job.working, claimed_at__lt=stale)
    if token:
        task_id = token.split(" ", 1)[0]
        claimable |= Q(status=job.working, claimed_by__startswith=f"{task_id} ")
    return bool(job.model.objects.filter(claimable, pk=pk).update(status=job.working, claimed_at=now, claimed_by=token))


def release(job, pk):
    """Hand a claimed row back so that the retry can claim it again."""
    try:
        job.model.objects.filter(pk=pk, status=job.working).update(
            status=job.queued, claimed_at=None, claimed_by="", sent_at=timezone.now()
        )
    except DatabaseError:
        pass  # the database is down; the reconciler frees the row once the claim is stale


def give_up(job, pk, message):
    """A row whose processing broke must not stay working forever."""
    log.exception("%s %s failed", job.model.__name__, pk)
    fields = {"status": job.failed, job.message_field: message}
    if job.finished_field:
        fields[job.finished_field] = timezone.now()
    try:
        job.model.objects.filter(pk=pk, status=job.working).update(**fields)
        wake(channel(job.model, pk))  # a request waiting for the row answers now
    except DatabaseError:
        log.exception("could not mark %s %s as failed", job.model.__name__, pk)


def broker_errors():
    """What publishing raises when the broker is down or unreachable."""
    from kombu.exceptions import OperationalError as BrokerDown

    # AttributeError: kombu's Redis transport, between a lost connection and the next one, can
    # find its channel's connection gone ("'NoneType' object has no attribute 'client'"; seen
    # while Redis restarted under 50 kiosks): the row is committed, the reconciler sends it again
    errors = [BrokerDown, OSError, AttributeError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:
        pass
    return tuple(errors)


def send(job, pk):
    """Hand row `pk` to its task; False if the broker could not take it.

    The row is already committed as queued, so a broker that is down loses
    nothing: the reconciler sends the row again once its grace has passed.
    """
    try:
        import_string(job.task).apply_async(args=[pk])
    except broker_errors():
        log.warning("could not queue %s %s; the reconciler will send it", job.model.__name__, pk, exc_info=True)
        return False
    return True


def run_claimed(task, job, pk, work):
    """Claim row `pk`, then `work(row)`; transient database errors retry within seconds."""
    try:
        if not claim(job, pk, token=claim_token(task.request)):
            return
        work(job.model.objects.get(pk=pk))
    except job.model.DoesNotExist:
        return  # deleted while queued
    except TRANSIENT as exc:
        release(job, pk)
        raise task.retry(exc=exc, countdown=retry_countdown(task.request.retries)) from exc
    except SoftTimeLimitExceeded:
        give_up(job, pk, job.too_long)
    except Exception:
        give_up(job, pk, job.broken)
