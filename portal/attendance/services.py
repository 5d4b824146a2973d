"""Writing attendance: events, corrections, daily summaries, closing days."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.attendance.models import ApprovedDay, AttendanceEvent, DailySummary, EventCorrection
from portal.attendance.rules import (
    NOTHING_APPROVED,
    Approved,
    DayFacts,
    Shift,
    day_summarize,
    local_at,
    punch_direction,
    too_soon,
)
from portal.attendance.schedules import ShiftBook, shift_for_person
from portal.people.models import Person

if TYPE_CHECKING:  # the annotations only: the capture an event came from
    from recognition.models import Capture

SUMMARY_FIELDS = [f.name for f in fields(DayFacts) if f.name != "day"]


@dataclass(frozen=True)
class Recorded:
    event: AttendanceEvent
    created: bool  # False: inside the cooldown or too soon, `event` is the earlier one
    too_soon: bool = False  # a check-out sooner than the schedule's minimum interval after the check-in


class CorrectionRefused(ValueError):
    """A correction that cannot be made; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _lock_person(person: Person) -> None:
    # two workers seeing the same person at once must not both decide they are first
    list(type(person).objects.select_for_update().filter(pk=person.pk).order_by().values_list("pk", flat=True))


def _newest(event: AttendanceEvent) -> tuple[datetime, int]:
    # the order of the events' own ordering (-at, -id), read backwards
    return event.at, event.pk


def attendance_event_record(
    *,
    person: Person,
    at: datetime,
    source: str,
    capture: Capture | None = None,
    distance: float | None = None,
    direction: str | None = None,
    recorded_by: User | None = None,
    photo_taken_at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    accuracy_m: float | None = None,
) -> Recorded:
    """Record that `person` was seen at `at`.

    A person seen again within ATTENDANCE_COOLDOWN_SECONDS gets no second
    event: the earlier one is returned with created=False. Without an explicit
    direction the schedule's punch rule decides (rules.punch_direction), and
    a check-out sooner than its minimum interval after the check-in changes
    nothing (created=False, too_soon=True). Voided events count for no rule. The day's summary
    is recomputed.

    Inside a caller's transaction this makes no savepoint of its own: a failure here fails the
    caller's transaction with it (every caller lets it go up, none records on after one).
    """
    cooldown = timedelta(seconds=settings.ATTENDANCE_COOLDOWN_SECONDS)
    tz = timezone.get_current_timezone()
    shift = shift_for_person(person)
    day = shift.day_of(at, tz)
    start, end = shift.window(day, tz)
    with transaction.atomic(savepoint=False):
        _lock_person(person)
        # one read under the lock answers the cooldown, the direction, too soon and the day's summary:
        # every event of this person is written under the same lock, none can come in between
        near = list(
            AttendanceEvent.objects.filter(
                person=person, voided=False, at__gte=min(start, at - cooldown), at__lte=max(end, at + cooldown)
            )
        )
        recent = max((e for e in near if at - cooldown < e.at <= at + cooldown), key=_newest, default=None)
        if cooldown and recent is not None:
            return Recorded(event=recent, created=False)
        if direction is None:
            earlier = [e for e in near if start <= e.at < at]
            direction = punch_direction(shift=shift, at=at, tz=tz, earlier_count=len(earlier))
            last = max(earlier, key=_newest, default=None)
            if last is not None and too_soon(shift=shift, direction=direction, last=(last.at, last.direction), at=at):
                # seen again soon after checking in: a second sighting, not a departure
                return Recorded(event=last, created=False, too_soon=True)
        event = AttendanceEvent.objects.create(
            person=person,
            at=at,
            direction=direction,
            source=source,
            capture=capture,
            distance=distance,
            recorded_by=recorded_by,
            photo_taken_at=photo_taken_at,
            # a phone's clock-in: where it was, kept with this event only
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy_m,
        )
        mine = sorted((e for e in [*near, event] if start <= e.at < end), key=_newest, reverse=True)
        _summary_store(
            person=person,
            day=day,
            shift=shift,
            events=[(e.at.astimezone(UTC), e.direction) for e in mine],  # as the database gives them back
            now=timezone.now(),
        )
        return Recorded(event=event, created=True)


def _summary_values(facts: DayFacts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in SUMMARY_FIELDS}


def daily_summary_recompute(
    *, person: Person, day: date, shift: Shift | None = None, now: datetime | None = None
) -> DailySummary:
    """Compute one person's day from its (non-voided) events and store it."""
    tz = timezone.get_current_timezone()
    shift = shift or shift_for_person(person)
    start, end = shift.window(day, tz)
    events = AttendanceEvent.objects.filter(person=person, voided=False, at__gte=start, at__lt=end)
    return _summary_store(
        person=person, day=day, shift=shift, events=list(events.values_list("at", "direction")), now=now
    )


def _summary_store(
    *, person: Person, day: date, shift: Shift, events: list[tuple[datetime, str]], now: datetime | None = None
) -> DailySummary:
    """The day's summary from its events (at, direction), written in one statement: inserted, or
    the row there updated (a day's row can be written meanwhile by attendance_absences_mark)."""
    facts = day_summarize(
        shift=shift,
        day=day,
        events=events,
        now=now or timezone.now(),
        tz=timezone.get_current_timezone(),
        approved=approved_on(person_ids=[person.pk], days=[day]).get((person.pk, day), NOTHING_APPROVED),
    )
    summary = DailySummary(person=person, day=day, **_summary_values(facts))
    DailySummary.objects.bulk_create(
        [summary],
        update_conflicts=True,
        unique_fields=["person", "day"],
        update_fields=[*SUMMARY_FIELDS, "computed_at"],
    )
    return summary


def approved_on(*, person_ids: Iterable[int], days: Iterable[date]) -> dict[tuple[int, date], Approved]:
    """{(person id, day): Approved} of approved requests on these days (several add up)."""
    found: dict[tuple[int, date], Approved] = {}
    rows = ApprovedDay.objects.filter(person_id__in=person_ids, day__in=days).order_by("day", "id")
    for row in rows.values_list("person_id", "day", "leave_type", "leave_seconds", "overtime_seconds"):
        person_id, day, leave_type, leave, overtime = row
        was = found.get((person_id, day), NOTHING_APPROVED)
        found[(person_id, day)] = Approved(
            leave_type=was.leave_type or leave_type,
            leave_seconds=was.leave_seconds + leave,
            overtime_seconds=was.overtime_seconds + overtime,
        )
    return found


def attendance_approved_set(*, person: Person, request_id: int, days: Sequence[tuple[date, str, int, int]]) -> None:
    """What an approved request says about days: `days` is a list of
    (day, leave type name, leave seconds, overtime seconds). Replaces what the
    same request said before and recomputes every day concerned."""
    with transaction.atomic():
        _lock_person(person)
        before = set(ApprovedDay.objects.filter(request_id=request_id).values_list("day", flat=True))
        ApprovedDay.objects.filter(request_id=request_id).delete()
        ApprovedDay.objects.bulk_create(
            ApprovedDay(
                person=person, day=day, request_id=request_id, leave_type=name, leave_seconds=leave, overtime_seconds=ot
            )
            for day, name, leave, ot in days
        )
        shift = shift_for_person(person)
        for day in sorted(before | {d[0] for d in days}):
            daily_summary_recompute(person=person, day=day, shift=shift)


def attendance_approved_clear(*, person: Person, request_id: int) -> None:
    """A request withdrawn or changed: its days count as if it never was."""
    attendance_approved_set(person=person, request_id=request_id, days=[])


# --- corrections -------------------------------------------------------------


def _reason_required(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionRefused(_("A reason is required for every correction."))
    return reason


def _at_checked(at: datetime) -> datetime:
    if at > timezone.now() + timedelta(minutes=1):
        raise CorrectionRefused(_("An event cannot be in the future."))
    return at


def _direction_checked(direction: str) -> str:
    if direction not in AttendanceEvent.Direction.values:
        raise CorrectionRefused(_("Unknown direction %(direction)r: use 'in' or 'out'.") % {"direction": direction})
    return direction


def _audit(
    *, event: AttendanceEvent, action: str, reason: str, user: User | None, by: str, before: dict[str, Any] | None
) -> EventCorrection:
    return EventCorrection.objects.create(
        event=event,
        action=action,
        reason=reason,
        user=user,
        # the trail is written once, in the correction's transaction: who, whether or not they have an account
        username=user.get_username() if user else (by or "system")[:150],
        before=before,
        after=event.snapshot(),
    )


def _recompute_days(person: Person, *instants: datetime) -> None:
    attendance_days_recompute(person=person, instants=instants)


def attendance_days_recompute(*, person: Person, instants: Iterable[datetime]) -> None:
    """Recompute the summaries of the days these instants fall on (after events moved)."""
    shift = shift_for_person(person)
    tz = timezone.get_current_timezone()
    for day in sorted({shift.day_of(at, tz) for at in instants}):
        daily_summary_recompute(person=person, day=day, shift=shift)


def attendance_event_add(
    *, person: Person, at: datetime, direction: str, reason: str, user: User | None, by: str = ""
) -> EventCorrection:
    """HR adds an event the camera missed. `by`: who, when no user account did it (an API token)."""
    reason = _reason_required(reason)
    at, direction = _at_checked(at), _direction_checked(direction)
    with transaction.atomic():
        _lock_person(person)
        event = AttendanceEvent.objects.create(
            person=person, at=at, direction=direction, source=AttendanceEvent.Source.MANUAL
        )
        correction = _audit(
            event=event, action=EventCorrection.Action.ADD, reason=reason, user=user, by=by, before=None
        )
        _recompute_days(person, at)
    return correction


def attendance_event_change(
    *, event: AttendanceEvent, at: datetime, direction: str, reason: str, user: User | None, by: str = ""
) -> EventCorrection:
    """HR changes the time or direction of an event; the old values stay in the trail."""
    reason = _reason_required(reason)
    at, direction = _at_checked(at), _direction_checked(direction)
    with transaction.atomic():
        _lock_person(event.person)
        event = AttendanceEvent.objects.select_for_update().get(pk=event.pk)
        if event.voided:
            raise CorrectionRefused(_("A voided event cannot be changed."))
        if _same_minute(at, event.at):
            # the form shows minutes: the minute it showed, sent back, is the event's own time (seconds kept)
            at = event.at
        if event.at == at and event.direction == direction:
            raise CorrectionRefused(_("Nothing to change: the time and direction are the same."))
        before, old_at = event.snapshot(), event.at
        event.at, event.direction = at, direction
        event.save(update_fields=["at", "direction"])
        correction = _audit(
            event=event, action=EventCorrection.Action.CHANGE, reason=reason, user=user, by=by, before=before
        )
        _recompute_days(event.person, old_at, at)
    return correction


def _same_minute(typed: datetime, stored: datetime) -> bool:
    return typed.second == 0 and typed.microsecond == 0 and typed == stored.replace(second=0, microsecond=0)


def attendance_event_void(*, event: AttendanceEvent, reason: str, user: User | None, by: str = "") -> EventCorrection:
    """HR voids a wrong event: it stays, marked, and counts for nothing."""
    reason = _reason_required(reason)
    with transaction.atomic():
        _lock_person(event.person)
        event = AttendanceEvent.objects.select_for_update().get(pk=event.pk)
        if event.voided:
            raise CorrectionRefused(_("This event is already voided."))
        before = event.snapshot()
        event.voided = True
        event.save(update_fields=["voided"])
        correction = _audit(
            event=event, action=EventCorrection.Action.VOID, reason=reason, user=user, by=by, before=before
        )
        _recompute_days(event.person, event.at)
    return correction


# --- closing days --------------------------------------------------------------


def attendance_days_close(*, now: datetime | None = None, lookback_days: int = 7, chunk: int = 500) -> int:
    """Store the final summary of every active person's finished days.

    Every day of the last `lookback_days` whose window has ended and has no
    closed summary yet is computed once more, now as closed: days with no event
    become absences (or days off), open check-ins become missing check-outs.
    Runs from Celery beat; running it twice changes nothing.
    """
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    book = ShiftBook()
    today = timezone.localdate(now)
    days = [today - timedelta(days=n) for n in range(lookback_days, -1, -1)]
    # only the people with a finished day still open, found by the database: an hourly run
    # no longer walks everyone x 8 days in Python (issue 24)
    ids = sorted(_people_with_open_days(book, days, now, tz))
    written = 0
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        people = list(Person.objects.filter(pk__in=part).only("id", "department_id", "created_at").order_by("pk"))
        done = set(
            DailySummary.objects.filter(person_id__in=part, day__in=days, closed=True).values_list("person_id", "day")
        )
        written += _close_batch(people, days, done, book, now, tz)
    return written


def _people_with_open_days(book: ShiftBook, days: list[date], now: datetime, tz: tzinfo) -> set[int]:
    """Ids of active staff with a day among `days` that has ended, began after they joined and
    has no closed summary. One query per day and per hour the shifts' days start at (they end
    together), not one per person; _close_batch checks each person's days exactly."""
    by_start: dict[time, tuple[Shift, list[Q]]] = {}
    for people, shift in book.groups():
        by_start.setdefault(shift.day_starts_at, (shift, []))[1].append(people)
    staff = Person.objects.staff().filter(active=True)
    found = set()
    for shift, groups in by_start.values():
        people = Q(pk__in=[])
        for group in groups:
            people |= group
        for day in days:
            if now < shift.window(day, tz)[1]:
                continue
            joined_by = local_at(day + timedelta(days=1), time.min, tz)
            closed = DailySummary.objects.filter(day=day, closed=True).values("person_id")
            open_ = staff.filter(people, created_at__lt=joined_by).exclude(pk__in=closed)
            found.update(open_.values_list("pk", flat=True))
    return found


def attendance_absences_mark(*, now: datetime | None = None) -> int:
    """Store today's absences as they happen: everyone whose working day has started (past the
    grace minutes) with no event and no summary yet gets an open summary marked absent.

    The dashboard counts such a person absent from that moment; the reports read stored
    summaries, so without this they said "0 absent" until the day was closed. A later check-in
    recomputes the row (present, late); closing the day recomputes it once more. Idempotent.
    """
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    staff = Person.objects.staff().filter(active=True)
    rows = []
    # per group of people sharing a shift, the database finds who has no summary yet: reports call
    # this on every page covering today, so it must not walk everyone in Python (issue 24)
    for people, shift in ShiftBook().groups():
        day = shift.day_of(now, tz)
        if not shift.is_working_day(day) or now < shift.planned(day, tz)[0] + timedelta(minutes=shift.grace_minutes):
            continue
        values = _summary_values(day_summarize(shift=shift, day=day, events=[], now=now, tz=tz))
        missing = (
            staff.filter(people, created_at__lt=local_at(day + timedelta(days=1), time.min, tz))
            .exclude(pk__in=DailySummary.objects.filter(day=day).values("person_id"))
            .values_list("pk", flat=True)
        )
        rows += [DailySummary(person_id=pk, day=day, **values) for pk in missing]
    # a check-in racing this write keeps its own row (ignore_conflicts): it has the events
    DailySummary.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _close_batch(
    people: list[Person], days: list[date], done: set[tuple[int, date]], book: ShiftBook, now: datetime, tz: tzinfo
) -> int:
    todo = []
    for person in people:
        shift = book.for_person(person)
        joined = timezone.localdate(person.created_at)
        for day in days:
            if day >= joined and (person.pk, day) not in done and now >= shift.window(day, tz)[1]:
                todo.append((person, shift, day))
    return daily_summaries_write(todo=todo, now=now, tz=tz)


def daily_summaries_write(*, todo: list[tuple[Person, Shift, date]], now: datetime, tz: tzinfo) -> int:
    """Compute and store the summaries of many (person, shift, day) at once: one read of their
    events and approved requests, one write. A day whose window has ended by `now` is stored
    closed (rules.day_summarize); closing days and recomputing them after a change share this."""
    if not todo:
        return 0
    people = list({person.pk: person for person, _, _ in todo}.values())
    days = sorted({day for _, _, day in todo})
    starts_ends = [shift.window(day, tz) for _, shift, day in todo]
    by_person: dict[int, list[tuple[datetime, str]]] = {}
    events = AttendanceEvent.objects.filter(
        person__in=[p.pk for p in people],
        voided=False,
        at__gte=min(s for s, _ in starts_ends),
        at__lt=max(e for _, e in starts_ends),
    ).values_list("person_id", "at", "direction")
    for person_id, at, direction in events.iterator(chunk_size=5000):
        by_person.setdefault(person_id, []).append((at, direction))
    approved = approved_on(person_ids=[p.pk for p in people], days=days)
    rows = []
    for (person, shift, day), (start, end) in zip(todo, starts_ends, strict=True):
        mine = [(at, d) for at, d in by_person.get(person.pk, ()) if start <= at < end]
        facts = day_summarize(
            shift=shift, day=day, events=mine, now=now, tz=tz, approved=approved.get((person.pk, day), NOTHING_APPROVED)
        )
        rows.append(DailySummary(person=person, day=day, **_summary_values(facts)))
    DailySummary.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["person", "day"],
        update_fields=[*SUMMARY_FIELDS, "computed_at"],
    )
    return len(rows)
