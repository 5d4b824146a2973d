"""Who may pass which door when: pure functions over plain data, no database.

A decision is made from facts loaded beforehand (the door, the person's
levels through their groups, holidays, the last passage in the zone), so it
can be tested on crafted cases and explained in words: "can Ana open Lab 2 on
Saturday at 22:00, and why (not)?". Default is deny.

Time windows are wall-clock times in the zone's time zone: a window 22:00-06:00
is "from 22:00 until 06:00 the next morning" on the night clocks change, too.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from portal.core.messages import (  # imports no Django
    message_date,
    message_datetime,
    message_template,
    message_templates,
)


def gettext_noop(message):
    """Only the name makemessages looks for: this module stays free of Django, and the
    sentences are translated where they are shown (portal.core.messages.message_text)."""
    return message


def fill(template, **values):
    return template % values  # a value that is a message stays one (shown in the reader's language)


WEEKDAYS = [
    message_template("access.why.monday", gettext_noop("Monday")),
    message_template("access.why.tuesday", gettext_noop("Tuesday")),
    message_template("access.why.wednesday", gettext_noop("Wednesday")),
    message_template("access.why.thursday", gettext_noop("Thursday")),
    message_template("access.why.friday", gettext_noop("Friday")),
    message_template("access.why.saturday", gettext_noop("Saturday")),
    message_template("access.why.sunday", gettext_noop("Sunday")),
]

# Why a decision was made: the event's explanation keeps these as codes ("access.why." and the
# constant's lower-case name: never rename one) with their values, some of them sentences too.
NOT_WHEN = gettext_noop("%(sentence)s; not %(when)s")
INSIDE = gettext_noop("%(sentence)s; %(when)s is inside")
GROUP = gettext_noop("group %(group)s: %(sentence)s")
WINDOW_BUT_HOLIDAY = gettext_noop("%(level)s: %(window)s, but %(day)s is a holiday")
DAY_IS_HOLIDAY = gettext_noop("%(level)s: %(day)s is a holiday")
VALID_ONLY_FROM = gettext_noop("%(level)s is valid only from %(day)s")
ENDED_ON = gettext_noop("%(level)s ended on %(day)s")
ALLOWS_ANY_TIME = gettext_noop("%(level)s allows any time")
ALLOWS = gettext_noop("%(level)s allows %(hours)s")
NO_HOURS = gettext_noop("no hours")
IS_LOCKED_DOWN = gettext_noop("%(door)s is locked down")
MARKED_INACTIVE = gettext_noop("this person is marked inactive")
NO_LEVEL_INCLUDES = gettext_noop("none of the levels of %(groups)s includes %(door)s")
NO_ACCESS_GROUP = gettext_noop("no access group")
PASS_VALID = gettext_noop("the visitor pass is valid %(start)s to %(end)s")
PASS_EXCLUDES = gettext_noop("the visitor pass does not include %(door)s")
PASS_INCLUDES = gettext_noop("the visitor pass includes this door now")
ALREADY_INSIDE = gettext_noop("already inside %(zone)s")
SECOND_ENTRY = gettext_noop("second entry without exit (soft anti-passback)")
NOT_PIN_MODE = gettext_noop("%(door)s is not in face-or-badge-and-PIN mode")
PIN_MISMATCH = gettext_noop("the employee ID and PIN do not match")
DID_NOT_MOVE = gettext_noop("the face did not move or blink: perhaps a photo")
MATCHED_NOBODY = gettext_noop("the face matched nobody enrolled")
NEEDS_BADGE = gettext_noop("%(door)s needs a badge or employee ID and the face")
WINDOW = gettext_noop("%(weekday)s %(start)s–%(end)s")
WHEN = gettext_noop("%(weekday)s %(at)s")
WHY = message_templates("access.why", globals()) + WEEKDAYS


# reason code -> what the door's screen says (stored in English, shown translated)
REASONS = {
    "granted": gettext_noop("Door open"),  # codes "access.reason." and the reason (below)
    "not_recognized": gettext_noop("Not recognized"),
    "inactive": gettext_noop("Your access is inactive"),
    "no_access": gettext_noop("No access to this door"),
    "outside_hours": gettext_noop("Outside your hours"),
    "pass_expired": gettext_noop("Pass expired"),
    "anti_passback": gettext_noop("Already inside: use the exit first (anti-passback)"),
    "not_live": gettext_noop("Liveness check failed, please try again"),
    "locked_down": gettext_noop("Door locked down"),
    "badge_required": gettext_noop("This door needs your badge or employee ID too"),
    "bad_pin": gettext_noop("Wrong badge or PIN"),
    "pin_not_accepted": gettext_noop("This door does not take a PIN"),
}
REASONS = {code: message_template(f"access.reason.{code}", text) for code, text in REASONS.items()}


@dataclass(frozen=True)
class Window:
    weekday: int  # ISO, Monday = 1
    start: time
    end: time  # at or before start: the next day

    @property
    def overnight(self):
        return self.end <= self.start

    def describe(self):
        return fill(WINDOW, weekday=WEEKDAYS[self.weekday - 1], start=f"{self.start:%H:%M}", end=f"{self.end:%H:%M}")


@dataclass(frozen=True)
class Level:
    name: str
    door_ids: frozenset = frozenset()
    zone_ids: frozenset = frozenset()
    windows: tuple = ()
    any_time: bool = False
    closed_on_holidays: bool = True
    valid_from: date | None = None
    valid_until: date | None = None  # inclusive


@dataclass(frozen=True)
class Grant:
    """A level someone holds, and through which group."""

    group: str
    level: Level


@dataclass(frozen=True)
class DoorFacts:
    id: int
    name: str
    zone_id: int
    locked_down: bool = False


@dataclass(frozen=True)
class Verdict:
    granted: bool
    reason: str
    why: tuple = field(default=())  # sentences, most important first

    @property
    def message(self):
        return REASONS[self.reason]


def window_open(window, local):
    """Is wall-clock datetime `local` inside `window`? Returns the day the window started on, or None."""
    day, clock = local.date(), local.time()
    if window.weekday == day.isoweekday():
        if window.overnight and clock >= window.start:
            return day
        if not window.overnight and window.start <= clock < window.end:
            return day
    yesterday = day - timedelta(days=1)
    if window.overnight and window.weekday == yesterday.isoweekday() and clock < window.end:
        return yesterday
    return None


def level_covers(level, door):
    return door.id in level.door_ids or door.zone_id in level.zone_ids


def level_judge(level, *, local, holidays):
    """(reason, sentence) for one level that covers the door, at wall-clock `local`."""
    today = local.date()
    if level.valid_from and today < level.valid_from:
        return "pass_expired", fill(VALID_ONLY_FROM, level=level.name, day=message_date(level.valid_from))
    if level.valid_until and today > level.valid_until:
        return "pass_expired", fill(ENDED_ON, level=level.name, day=message_date(level.valid_until))
    if level.any_time:
        if level.closed_on_holidays and today in holidays:
            return "outside_hours", fill(DAY_IS_HOLIDAY, level=level.name, day=message_date(today))
        return "granted", fill(ALLOWS_ANY_TIME, level=level.name)
    holiday_refusal = None
    for window in level.windows:
        started = window_open(window, local)
        if started is None:
            continue
        if level.closed_on_holidays and started in holidays:
            holiday_refusal = fill(
                WINDOW_BUT_HOLIDAY, level=level.name, window=window.describe(), day=message_date(started)
            )
            continue
        return "granted", fill(ALLOWS, level=level.name, hours=window.describe())
    if holiday_refusal:
        return "outside_hours", holiday_refusal
    hours = [w.describe() for w in level.windows] or NO_HOURS  # a list: shown joined in the reader's language
    return "outside_hours", fill(ALLOWS, level=level.name, hours=hours)


# when no level grants, the refusal that tells the person most
SPECIFIC = {"outside_hours": 3, "pass_expired": 2, "no_access": 1}


def access_decide(*, door, grants, local, holidays=frozenset(), active=True):
    """May someone holding `grants` open `door` at wall-clock `local`?

    Refused when the door is locked down or the person inactive; granted when
    any one level covering the door allows this moment; otherwise the most
    telling refusal: outside the hours, then expired, then no access at all.
    """
    when = fill(WHEN, weekday=WEEKDAYS[local.weekday()], at=message_datetime(local))
    if door.locked_down:
        return Verdict(False, "locked_down", (fill(IS_LOCKED_DOWN, door=door.name),))
    if not active:
        return Verdict(False, "inactive", (MARKED_INACTIVE,))
    covering = [g for g in grants if level_covers(g.level, door)]
    if not covering:
        groups = ", ".join(sorted({g.group for g in grants})) or NO_ACCESS_GROUP
        return Verdict(False, "no_access", (fill(NO_LEVEL_INCLUDES, groups=groups, door=door.name),))
    judged = []
    for grant in covering:
        reason, sentence = level_judge(grant.level, local=local, holidays=holidays)
        sentence = fill(GROUP, group=grant.group, sentence=sentence)
        if reason == "granted":
            return Verdict(True, "granted", (fill(INSIDE, sentence=sentence, when=when),))
        judged.append((reason, sentence))
    best = max(SPECIFIC[reason] for reason, _ in judged)
    reason = next(r for r, _ in judged if SPECIFIC[r] == best)
    return Verdict(
        False, reason, tuple(fill(NOT_WHEN, sentence=s, when=when) if r == "outside_hours" else s for r, s in judged)
    )


def visitor_decide(*, door, door_ids, valid_from, valid_until, at):
    """A visitor's pass: the chosen doors, between two instants."""
    if door.locked_down:
        return Verdict(False, "locked_down", (fill(IS_LOCKED_DOWN, door=door.name),))
    if at < valid_from or at >= valid_until:
        return Verdict(
            False,
            "pass_expired",
            (fill(PASS_VALID, start=message_datetime(valid_from), end=message_datetime(valid_until)),),
        )
    if door.id not in door_ids:
        return Verdict(False, "no_access", (fill(PASS_EXCLUDES, door=door.name),))
    return Verdict(True, "granted", (PASS_INCLUDES,))


def open_until(level, *, local, holidays=frozenset()):
    """A door unlocked on `level`'s schedule: the wall-clock end of the window open at `local`, or None.

    An any-time level holds the door open until the next midnight (and again after it).
    """
    if level_judge(level, local=local, holidays=holidays)[0] != "granted":
        return None
    if level.any_time:
        return datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
    ends = []
    for window in level.windows:
        started = window_open(window, local)
        if started is None or (level.closed_on_holidays and started in holidays):
            continue
        end_day = started + timedelta(days=1) if window.overnight else started
        ends.append(datetime.combine(end_day, window.end, local.tzinfo))
    return max(ends) if ends else None


def passback_check(*, mode, side, last_side):
    """Anti-passback in a zone: entering twice without leaving.

    Returns (allowed, violation): hard refuses a second entry, soft lets it
    through but marks it; exits are never refused (people must be able to leave).
    """
    if mode == "off" or side != "entry" or last_side != "entry":
        return True, False
    return mode == "soft", True


def local_time(at: datetime, tz):
    return at.astimezone(tz)
