"""Celery beat's schedule, run by the embedded portal itself.

With no broker (the embedded default) there is no `celery beat`: `make run` did
the periodic work once at its start, and a portal left serving for days never
closed a day, never expired a picture past its retention and never retried a
door command whose lock was unreachable. Here every entry of
CELERY_BEAT_SCHEDULE runs in-process when its own schedule says it is due
(Celery's schedule objects decide, as beat would), one entry after the other.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from celery import Celery
from celery.schedules import BaseSchedule, maybe_schedule
from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)

# the longest sleep between two looks at the schedule, as beat's own default
MAX_WAIT_SECONDS = 300.0


@dataclass
class Entry:
    name: str
    run: Callable[[], object]
    schedule: BaseSchedule
    last_run_at: datetime = field(init=False)

    def __post_init__(self):
        # started now: what is due at a start, `start_up` has just done
        self.last_run_at = self.schedule.now()


class Periodic:
    def __init__(self, entries: list[Entry]):
        self.entries = entries

    def run_due(self) -> float:
        """Run every entry that is due; the seconds until one may be due again."""
        wait = MAX_WAIT_SECONDS
        for entry in self.entries:
            due, next_in = entry.schedule.is_due(entry.last_run_at)
            if due:
                entry.last_run_at = entry.schedule.now()
                _run(entry)
            wait = min(wait, next_in)
        return max(wait, 0.1)


def _run(entry: Entry) -> None:
    try:
        entry.run()
    except Exception:  # one entry's failure must not stop the others, nor the next runs
        log.exception("periodic %s failed", entry.name)
    finally:
        close_old_connections()  # this thread's connection, as a worker's after its task


def from_settings(app: Celery) -> Periodic:
    """Every entry of CELERY_BEAT_SCHEDULE, each run as its task of `app` in this process."""
    app.loader.import_default_modules()  # the tasks register themselves on import
    entries = []
    for name, spec in settings.CELERY_BEAT_SCHEDULE.items():
        task = app.tasks[spec["task"]]
        run = partial(task.apply, spec.get("args", ()), spec.get("kwargs", {}), throw=True)
        schedule = maybe_schedule(spec["schedule"], app=app)
        assert isinstance(schedule, BaseSchedule)  # a number or a timedelta becomes one
        entries.append(Entry(name, run, schedule))
    return Periodic(entries)


def run_forever(periodic: Periodic, stop: threading.Event) -> None:
    wait = periodic.run_due()
    while not stop.wait(wait):
        wait = periodic.run_due()


def start_thread(app: Celery) -> threading.Event:
    """The schedule in a daemon thread of this process; set the returned event to stop it."""
    stop = threading.Event()
    periodic = from_settings(app)
    threading.Thread(target=run_forever, args=(periodic, stop), name="periodic", daemon=True).start()
    log.info("periodic work in this process: %s", ", ".join(e.name for e in periodic.entries))
    return stop
