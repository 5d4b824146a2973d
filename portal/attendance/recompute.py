"""Days already summarized, recomputed after a schedule or the calendar changed.

A schedule or calendar change is written at once; the stored summaries it concerns are recomputed
by a background job (RecomputeJob), from a day HR chooses up to the day of the change, with the
same code that closes days (services.daily_summaries_write): a finished day is stored closed, as
attendance_days_close stores it. Only days that have a summary are recomputed: a day nobody
summarized yet (before someone joined, or not closed yet) is left to the usual rules.
"""

import time
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from portal.attendance.jobs import RECOMPUTE, SLICE_SECONDS
from portal.attendance.models import DailySummary, RecomputeJob, Schedule
from portal.attendance.schedules import ShiftBook
from portal.attendance.services import daily_summaries_write
from portal.core.jobs import send
from portal.people.models import Department, Person

# people per transaction: their summaries of the period are read, computed and written at once
CHUNK = 200

Scope = RecomputeJob.Scope


def recompute_people(job: RecomputeJob) -> QuerySet[Person]:
    """The staff a job's change concerns, as the schedules stand when it runs."""
    staff = Person.objects.staff()
    if job.scope == Scope.PERSON:
        return staff.filter(pk=job.person_id)
    if job.scope == Scope.DEPARTMENT:
        # a person's own schedule wins over their department's: those keep theirs
        return staff.filter(department_id=job.department_id, schedule=None)
    if job.scope == Scope.DEFAULT:
        # neither their own schedule nor one of their department's
        return staff.filter(schedule=None).filter(Q(department=None) | Q(department__schedule=None))
    return staff


def recompute_earliest() -> date:
    """The earliest day HR may have recomputed (ATTENDANCE_RECOMPUTE_MAX_DAYS back)."""
    return date.fromordinal(timezone.localdate().toordinal() - settings.ATTENDANCE_RECOMPUTE_MAX_DAYS)


def summaries_recompute_start(
    *,
    scope: str,
    day_from: date,
    person: Person | None = None,
    department: Department | None = None,
    started_by: User | None = None,
) -> RecomputeJob | None:
    """Queue the recomputing of the stored days from `day_from` to today of the people in `scope`;
    None when `day_from` is in the future (no stored day can be concerned)."""
    today = timezone.localdate()
    if day_from > today:
        return None
    with transaction.atomic():
        job = RecomputeJob(
            scope=scope,
            person=person,
            department=department,
            day_from=max(day_from, recompute_earliest()),
            day_to=today,
            started_by=started_by,
        )
        job.total = recompute_people(job).count()
        job.save()
        transaction.on_commit(lambda: send(RECOMPUTE, job.pk))
    return job


def schedule_recompute_start(
    *,
    schedule: Schedule,
    day_from: date,
    started_by: User | None = None,
    was: tuple[int | None, int | None] = (None, None),
) -> list[RecomputeJob]:
    """The jobs after `schedule` was saved: its people's days, and, when the override moved to
    another person or department (`was`: its person and department ids before), those it left."""
    scopes: list[tuple[str, int | None, int | None]] = []
    if schedule.is_default:
        scopes.append((Scope.DEFAULT, None, None))
    elif schedule.person_id:
        scopes.append((Scope.PERSON, schedule.person_id, None))
    else:
        scopes.append((Scope.DEPARTMENT, None, schedule.department_id))
    if not schedule.is_default:
        old_person, old_department = was
        if old_person and old_person != schedule.person_id:
            scopes.append((Scope.PERSON, old_person, None))
        if old_department and old_department != schedule.department_id:
            scopes.append((Scope.DEPARTMENT, None, old_department))
    jobs = []
    for scope, person_id, department_id in scopes:
        job = summaries_recompute_start(
            scope=scope,
            day_from=day_from,
            person=Person.objects.filter(pk=person_id).first() if person_id else None,
            department=Department.objects.filter(pk=department_id).first() if department_id else None,
            started_by=started_by,
        )
        if job:
            jobs.append(job)
    return jobs


def summaries_recompute_run(*, job: RecomputeJob, seconds: float = SLICE_SECONDS, chunk: int = CHUNK) -> bool:
    """Recompute chunks of people for up to `seconds` (at least one chunk); True when all are done."""
    deadline = time.monotonic() + seconds
    book = ShiftBook()  # the schedules and calendar as they stand now: what the change made them
    tz = timezone.get_current_timezone()
    while True:
        with transaction.atomic():
            # the job's row locked and read again: its cursor is where the last committed chunk ended,
            # so a redelivered or duplicate task goes on from there and counts nobody twice
            job = RecomputeJob.objects.select_for_update().get(pk=job.pk)
            ids = list(
                recompute_people(job).filter(pk__gt=job.last_person).order_by("pk").values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                _finish(job)
                return True
            # a check-in recording now waits for this chunk (attendance_event_record locks its person)
            list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
            people = {p.pk: p for p in Person.objects.filter(pk__in=ids).only("id", "department_id", "created_at")}
            stored = DailySummary.objects.filter(person_id__in=ids, day__gte=job.day_from, day__lte=job.day_to)
            todo = [
                (people[pk], book.for_person(people[pk]), day)
                for pk, day in stored.order_by("person_id", "day").values_list("person_id", "day")
            ]
            written = daily_summaries_write(todo=todo, now=timezone.now(), tz=tz)
            RecomputeJob.objects.filter(pk=job.pk).update(
                last_person=ids[-1], done=F("done") + len(ids), days=F("days") + written
            )
        if time.monotonic() >= deadline:
            return False


def _finish(job: RecomputeJob) -> None:
    # the people concerned can change while it runs (an override added): the count is of those done
    RecomputeJob.objects.filter(pk=job.pk).update(
        status=RecomputeJob.Status.DONE, total=job.done, finished_at=timezone.now()
    )
