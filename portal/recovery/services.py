"""Recovery that needs nobody: send again what the broker lost, free what a dead worker held."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.core.jobs import STALE_MARGIN_SECONDS, Job, send
from portal.recovery import registry

log = logging.getLogger(__name__)

# rows per kind and pass: a long outage is worked off over a few passes
BATCH = 500


@dataclass
class Reconciled:
    resent: dict[str, int] = field(default_factory=dict)  # kind -> rows sent again that were queued too long
    reclaimed: dict[str, int] = field(default_factory=dict)  # kind -> rows freed from a dead worker's claim

    def total(self) -> int:
        return sum(self.resent.values()) + sum(self.reclaimed.values())


def work_reconcile(*, now: datetime | None = None, grace: float | None = None) -> Reconciled:
    """One pass over every kind of work in the registry.

    Queued rows not handed to the broker for `grace` seconds (the broker lost
    them, or the post that saved them could not reach it) are sent again; a
    duplicate message is harmless, the claim lets one through. Rows working
    past their task's hard time limit belonged to a worker that died: they go
    back to queued and are sent again.
    """
    now = now or timezone.now()
    grace = settings.RECOVERY_QUEUED_GRACE_SECONDS if grace is None else grace
    done = Reconciled()
    for job in registry.jobs():
        name = job.model.__name__
        stale = now - timedelta(seconds=job.hard_limit + STALE_MARGIN_SECONDS)
        done.reclaimed[name] = _resend(
            job, Q(status=job.working, claimed_at__lt=stale), now, status=job.queued, claimed_at=None, claimed_by=""
        )
        unsent = now - timedelta(seconds=grace)
        waiting = Q(status=job.queued) & (Q(sent_at__lt=unsent) | Q(sent_at=None, created_at__lt=unsent))
        done.resent[name] = _resend(job, waiting, now)
    if done.total():
        log.warning("reconciler: sent again %s, reclaimed %s", done.resent, done.reclaimed)
    return done


def worker_claims_release(*, hostname: str, now: datetime | None = None) -> int:
    """A worker starting under `hostname` frees the rows its previous life held.

    Worker names are stable across restarts (systemd, the README's commands),
    so a claim by this name older than this start is a dead process's: its
    rows need not wait for the hard time limit.
    """
    now = now or timezone.now()
    freed = 0
    for job in registry.jobs():
        mine = Q(status=job.working, claimed_by__contains=f" {hostname}:", claimed_at__lt=now)
        freed += _resend(job, mine, now, status=job.queued, claimed_at=None, claimed_by="")
    if freed:
        log.warning("worker %s: sent again %d rows its previous run had claimed", hostname, freed)
    return freed


def _resend(job: Job, condition: Q, now: datetime, **changes: object) -> int:
    """Mark the matching rows sent now (with `changes`), then send each; returns how many."""
    # any of the registry's job models (Job.model is a bare class, which the stubs give no manager)
    model: Any = job.model
    ids = list(model.objects.filter(condition).order_by("pk").values_list("pk", flat=True)[:BATCH])
    count = 0
    for pk in ids:
        # conditional again: a worker may have claimed the row since it was read
        if model.objects.filter(condition, pk=pk).update(sent_at=now, **changes):
            send(job, pk)
            count += 1
    return count
