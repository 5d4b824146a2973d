from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from portal.core.fields import MessageField
from portal.core.messages import message_text
from portal.people.models import Department, Person


class AttendanceEvent(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("check-in")
        OUT = "out", _("check-out")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        KIOSK = "kiosk", _("Kiosk")
        API = "api", _("Api")
        MANUAL = "manual", _("Manual")
        CAMERA = "camera", _("Camera")
        PHONE = "phone", _("Phone")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events", verbose_name=_("person"))
    at = models.DateTimeField(db_index=True, verbose_name=_("at"))
    direction = models.CharField(max_length=3, choices=Direction.choices, verbose_name=_("direction"))
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("source"))
    capture = models.ForeignKey(
        "recognition.Capture",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("capture"),
    )
    # face distance of the recognition (lower is closer); empty for manual events
    distance = models.FloatField(null=True, blank=True, verbose_name=_("distance"))
    # an upload's event: who uploaded the photo and when the photo says it was
    # taken; `at` stays the upload time, so an old photo cannot backdate a day
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    photo_taken_at = models.DateTimeField(null=True, blank=True, verbose_name=_("photo taken at"))
    # a voided event stays, for the audit trail, but counts for nothing
    voided = models.BooleanField(default=False, verbose_name=_("voided"))
    # a phone clock-in (portal.employees): where the browser said it was, and how sure
    latitude = models.FloatField(null=True, blank=True, verbose_name=_("latitude"))
    longitude = models.FloatField(null=True, blank=True, verbose_name=_("longitude"))
    accuracy_m = models.FloatField(null=True, blank=True, verbose_name=_("accuracy (m)"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "at"])]
        verbose_name = _("attendance event")
        verbose_name_plural = _("attendance events")

    def __str__(self):
        return f"{self.person.name} {self.get_direction_display()} at {self.at:%Y-%m-%d %H:%M}"

    def snapshot(self):
        """What a correction records as `before` and `after`."""
        return {"at": self.at.astimezone(UTC).isoformat(), "direction": self.direction, "voided": self.voided}


class EventCorrection(models.Model):
    """One change made by a person to an event; never edited, never deleted."""

    class Action(models.TextChoices):
        ADD = "add", _("added")
        CHANGE = "change", _("changed")
        VOID = "void", _("voided")

    event = models.ForeignKey(
        AttendanceEvent, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("event")
    )
    action = models.CharField(max_length=8, choices=Action.choices, verbose_name=_("action"))
    reason = models.TextField(verbose_name=_("reason"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    # kept as text too: the account may be removed, the trail must still say who
    username = models.CharField(max_length=150, verbose_name=_("username"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("at"))
    before = models.JSONField(null=True, blank=True, verbose_name=_("before"))
    after = models.JSONField(verbose_name=_("after"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("event correction")
        verbose_name_plural = _("event corrections")

    def __str__(self):
        return f"{self.username} {self.get_action_display()} event {self.event_id}"


def default_working_days():
    return [1, 2, 3, 4, 5]


def default_holidays():
    return []


class PunchMode(models.TextChoices):
    ALTERNATE = "alternate", _("alternating: first sighting of the day checks in, the next checks out, ...")
    TIME_OF_DAY = "time_of_day", _("by time of day: before the cut-off a check-in, after it a check-out")


class Schedule(models.Model):
    """Working hours: the organization default (no department, no person),
    or an override for one department or one person."""

    name = models.CharField(max_length=100, verbose_name=_("name"))
    is_default = models.BooleanField(default=False, editable=False, verbose_name=_("is default"))
    department = models.OneToOneField(
        Department,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedule",
        verbose_name=_("department"),
    )
    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("person")
    )
    working_days = models.JSONField(
        default=default_working_days, help_text=_("ISO weekdays, Monday = 1"), verbose_name=_("working days")
    )
    start = models.TimeField(default="09:00", verbose_name=_("start"))
    end = models.TimeField(
        default="17:00", help_text=_("At or before the start: an overnight shift"), verbose_name=_("end")
    )
    grace_minutes = models.PositiveSmallIntegerField(default=5, verbose_name=_("grace minutes"))
    holidays = models.JSONField(
        default=default_holidays, blank=True, help_text=_("ISO dates"), verbose_name=_("holidays")
    )
    punch_mode = models.CharField(
        _("check-in or check-out"),
        max_length=16,
        choices=PunchMode.choices,
        default=PunchMode.ALTERNATE,
    )
    punch_cutoff = models.TimeField(
        _("cut-off"), default="12:00", help_text=_("By time of day: before this a check-in, from it on a check-out.")
    )
    min_interval_minutes = models.PositiveSmallIntegerField(
        _("minimum minutes between check-in and check-out"),
        default=10,
        help_text=_("A person seen again sooner after checking in is not checked out: nothing changes."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            # exactly one scope: the default, one department or one person
            models.CheckConstraint(
                condition=models.Q(is_default=True, department__isnull=True, person__isnull=True)
                | models.Q(is_default=False, department__isnull=False, person__isnull=True)
                | models.Q(is_default=False, department__isnull=True, person__isnull=False),
                name="schedule_one_scope",
            ),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="schedule_one_default"
            ),
        ]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self):
        return self.name

    # the name the first migration gave the organization's schedule: stored data, yet the
    # portal's own words, so it is shown in the reader's language while nobody renames it
    DEFAULT_NAME = gettext_noop("Organization default")

    @property
    def display_name(self):
        return gettext(self.name) if self.name == self.DEFAULT_NAME else self.name

    @property
    def scope(self):
        if self.person_id:
            return gettext("person: %(name)s") % {"name": self.person.name}
        if self.department_id:
            return gettext("department: %(name)s") % {"name": self.department.name}
        return gettext("organization default")

    def weekday_names(self):
        from portal.attendance.forms import WEEKDAYS

        names = dict(WEEKDAYS)
        return ", ".join(str(names[d]) for d in sorted(self.working_days))


class CalendarDay(models.Model):
    """The organization's calendar, for everyone's schedule: a public holiday, or a
    day off made a working day (China's 调休 turns a weekend day into one).

    Imported per country and year from the `holidays` package
    (portal.attendance.calendar), or entered by hand (no country)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday")
        WORKDAY = "workday", _("working day")

    day = models.DateField(unique=True, verbose_name=_("day"))
    kind = models.CharField(max_length=8, choices=Kind.choices, verbose_name=_("kind"))
    # imported: a message (portal.attendance.texts), shown in the reader's language; by hand: the words typed
    name = MessageField(max_length=200, blank=True, verbose_name=_("name"))
    country = models.CharField(
        max_length=8, blank=True, help_text=_("Where it was imported from; empty: by hand"), verbose_name=_("country")
    )

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.day} {self.get_kind_display()} {message_text(self.name)}".strip()


class DailySummary(models.Model):
    """One person's working day, computed from its events by portal.attendance.rules."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="summaries", verbose_name=_("person"))
    day = models.DateField(verbose_name=_("day"))
    scheduled = models.BooleanField(default=False, verbose_name=_("scheduled"))
    holiday = models.BooleanField(default=False, verbose_name=_("holiday"))
    planned_start = models.DateTimeField(verbose_name=_("planned start"))
    planned_end = models.DateTimeField(verbose_name=_("planned end"))
    first_in = models.DateTimeField(null=True, blank=True, verbose_name=_("first in"))
    last_out = models.DateTimeField(null=True, blank=True, verbose_name=_("last out"))
    worked_seconds = models.PositiveIntegerField(default=0, verbose_name=_("worked seconds"))
    late_minutes = models.PositiveIntegerField(default=0, verbose_name=_("late minutes"))
    early_minutes = models.PositiveIntegerField(default=0, verbose_name=_("early minutes"))
    missing_checkout = models.BooleanField(default=False, verbose_name=_("missing checkout"))
    present = models.BooleanField(default=False, verbose_name=_("present"))
    absent = models.BooleanField(default=False, verbose_name=_("absent"))
    event_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("event count"))
    closed = models.BooleanField(default=False, verbose_name=_("closed"))
    overtime_seconds = models.PositiveIntegerField(default=0, verbose_name=_("overtime seconds"))
    # from approved requests (ApprovedDay): leave taken, overtime agreed
    leave_type = models.CharField(max_length=100, blank=True, default="", verbose_name=_("leave type"))
    leave_seconds = models.PositiveIntegerField(default=0, verbose_name=_("leave seconds"))
    approved_overtime_seconds = models.PositiveIntegerField(default=0, verbose_name=_("approved overtime seconds"))
    computed_at = models.DateTimeField(auto_now=True, verbose_name=_("computed at"))

    class Meta:
        ordering = ["day", "person__name"]
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="summary_person_day")]
        indexes = [
            models.Index(fields=["day", "person"]),
            # the latest write of a day, one index probe: the dashboard's history keeps a day's counts until then
            models.Index(fields=["day", "computed_at"], name="summary_day_computed"),
        ]
        verbose_name_plural = _("daily summaries")
        verbose_name = _("daily summary")

    def __str__(self):
        return f"{self.person.name} {self.day}"

    @property
    def status(self):
        return summary_status(self)

    @property
    def status_label(self):
        """The status in the reader's language (`status` stays the English word the API documents)."""
        return gettext(summary_status(self))


class ApprovedDay(models.Model):
    """What one approved request says about one person's day: leave taken (its
    type's name and how long) or overtime agreed. Written by the requests app
    when a request is approved, removed when it is withdrawn; the daily summary
    reads it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="approved_days", verbose_name=_("person"))
    day = models.DateField(verbose_name=_("day"))
    # the request it comes from (portal.requests), kept as a number: attendance imports no app above it
    request_id = models.PositiveIntegerField(db_index=True, verbose_name=_("request"))
    leave_type = models.CharField(max_length=100, blank=True, default="", verbose_name=_("leave type"))
    leave_seconds = models.PositiveIntegerField(default=0, verbose_name=_("leave seconds"))
    overtime_seconds = models.PositiveIntegerField(default=0, verbose_name=_("overtime seconds"))

    class Meta:
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["person", "day"])]
        verbose_name = _("approved day")
        verbose_name_plural = _("approved days")

    def __str__(self):
        return f"{self.person_id} {self.day} request {self.request_id}"


def summary_status(row):
    """A few words for a day: present, worked on a day off / holiday, holiday,
    on leave, absent, scheduled (not started) or day off."""
    if getattr(row, "leave_seconds", 0) and not row.event_count:
        return gettext_noop("on leave")
    if row.event_count and row.holiday:
        return gettext_noop("worked on a holiday")
    if row.event_count and not row.scheduled:
        return gettext_noop("worked on a day off")
    if row.event_count:
        return gettext_noop("present")
    if row.holiday:
        return gettext_noop("holiday")
    if row.absent:
        return gettext_noop("absent")
    return gettext_noop("scheduled") if row.scheduled else gettext_noop("day off")


class RecomputeJob(models.Model):
    """Stored days recomputed in the background after a schedule or the calendar changed.

    The people concerned (`scope`) are taken in the order of their id, a chunk at a time; `last_person`
    moves on in the same transaction as the chunk's summaries, so a redelivered task goes on after the
    last chunk written and `done` never counts anyone twice (portal.attendance.recompute)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Scope(models.TextChoices):
        PERSON = "person", _("one person")
        DEPARTMENT = "department", _("a department's people without their own schedule")
        DEFAULT = "default", _("everyone under the organization default")
        EVERYONE = "everyone", _("everyone")

    scope = models.CharField(max_length=16, choices=Scope.choices, verbose_name=_("scope"))
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("department")
    )
    day_from = models.DateField(verbose_name=_("first day"))
    day_to = models.DateField(verbose_name=_("last day"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    total = models.PositiveIntegerField(default=0, verbose_name=_("total"))
    done = models.PositiveIntegerField(default=0, verbose_name=_("done"))
    days = models.PositiveIntegerField(default=0, verbose_name=_("days recomputed"))
    last_person = models.PositiveIntegerField(default=0, verbose_name=_("last person"))
    error = MessageField(max_length=300, blank=True, verbose_name=_("error"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # the recovery rules (portal.recovery): who holds the claim, when it was last sent
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    claimed_by = models.CharField(max_length=200, blank=True, editable=False, verbose_name=_("claimed by"))
    sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sent at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("recompute job")
        verbose_name_plural = _("recompute jobs")

    def __str__(self):
        return f"recompute {self.scope} from {self.day_from} ({self.status}, {self.done}/{self.total})"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
