from datetime import UTC

from django.conf import settings
from django.db import models

from portal.people.models import Department, Person


class AttendanceEvent(models.Model):
    class Direction(models.TextChoices):
        IN = "in", "check-in"
        OUT = "out", "check-out"

    class Source(models.TextChoices):
        UPLOAD = "upload"
        KIOSK = "kiosk"
        API = "api"
        MANUAL = "manual"
        CAMERA = "camera"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    capture = models.ForeignKey(
        "recognition.Capture", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    # face distance of the recognition (lower is closer); empty for manual events
    distance = models.FloatField(null=True, blank=True)
    # an upload's event: who uploaded the photo and when the photo says it was
    # taken; `at` stays the upload time, so an old photo cannot backdate a day
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    photo_taken_at = models.DateTimeField(null=True, blank=True)
    # a voided event stays, for the audit trail, but counts for nothing
    voided = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "at"])]

    def __str__(self):
        return f"{self.person.name} {self.get_direction_display()} at {self.at:%Y-%m-%d %H:%M}"

    def snapshot(self):
        """What a correction records as `before` and `after`."""
        return {"at": self.at.astimezone(UTC).isoformat(), "direction": self.direction, "voided": self.voided}


class EventCorrection(models.Model):
    """One change made by a person to an event; never edited, never deleted."""

    class Action(models.TextChoices):
        ADD = "add", "added"
        CHANGE = "change", "changed"
        VOID = "void", "voided"

    event = models.ForeignKey(AttendanceEvent, on_delete=models.CASCADE, related_name="corrections")
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # kept as text too: the account may be removed, the trail must still say who
    username = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.username} {self.get_action_display()} event {self.event_id}"


def default_working_days():
    return [1, 2, 3, 4, 5]


def default_holidays():
    return []


class PunchMode(models.TextChoices):
    ALTERNATE = "alternate", "alternating: first sighting of the day checks in, the next checks out, ..."
    TIME_OF_DAY = "time_of_day", "by time of day: before the cut-off a check-in, after it a check-out"


class Schedule(models.Model):
    """Working hours: the organization default (no department, no person),
    or an override for one department or one person."""

    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False, editable=False)
    department = models.OneToOneField(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="schedule"
    )
    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="schedule")
    working_days = models.JSONField(default=default_working_days, help_text="ISO weekdays, Monday = 1")
    start = models.TimeField(default="09:00")
    end = models.TimeField(default="17:00", help_text="At or before the start: an overnight shift")
    grace_minutes = models.PositiveSmallIntegerField(default=5)
    holidays = models.JSONField(default=default_holidays, blank=True, help_text="ISO dates")
    punch_mode = models.CharField(
        "check-in or check-out",
        max_length=16,
        choices=PunchMode.choices,
        default=PunchMode.ALTERNATE,
    )
    punch_cutoff = models.TimeField(
        "cut-off", default="12:00", help_text="By time of day: before this a check-in, from it on a check-out."
    )
    min_interval_minutes = models.PositiveSmallIntegerField(
        "minimum minutes between check-in and check-out",
        default=10,
        help_text="A person seen again sooner after checking in is not checked out: nothing changes.",
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

    def __str__(self):
        return self.name

    @property
    def scope(self):
        if self.person_id:
            return f"person: {self.person.name}"
        if self.department_id:
            return f"department: {self.department.name}"
        return "organization default"

    def weekday_names(self):
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return ", ".join(names[d - 1] for d in sorted(self.working_days))


class CalendarDay(models.Model):
    """The organization's calendar, for everyone's schedule: a public holiday, or a
    day off made a working day (China's 调休 turns a weekend day into one).

    Imported per country and year from the `holidays` package
    (portal.attendance.calendar), or entered by hand (no country)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "holiday"
        WORKDAY = "workday", "working day"

    day = models.DateField(unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=8, blank=True, help_text="Where it was imported from; empty: by hand")

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()} {self.name}".strip()


class DailySummary(models.Model):
    """One person's working day, computed from its events by portal.attendance.rules."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="summaries")
    day = models.DateField()
    scheduled = models.BooleanField(default=False)
    holiday = models.BooleanField(default=False)
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    first_in = models.DateTimeField(null=True, blank=True)
    last_out = models.DateTimeField(null=True, blank=True)
    worked_seconds = models.PositiveIntegerField(default=0)
    late_minutes = models.PositiveIntegerField(default=0)
    early_minutes = models.PositiveIntegerField(default=0)
    missing_checkout = models.BooleanField(default=False)
    present = models.BooleanField(default=False)
    absent = models.BooleanField(default=False)
    event_count = models.PositiveSmallIntegerField(default=0)
    closed = models.BooleanField(default=False)
    overtime_seconds = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "person__name"]
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="summary_person_day")]
        indexes = [models.Index(fields=["day", "person"])]
        verbose_name_plural = "daily summaries"

    def __str__(self):
        return f"{self.person.name} {self.day}"

    @property
    def status(self):
        return summary_status(self)


def summary_status(row):
    """A few words for a day: present, worked on a day off / holiday, holiday,
    absent, scheduled (not started) or day off."""
    if row.event_count and row.holiday:
        return "worked on a holiday"
    if row.event_count and not row.scheduled:
        return "worked on a day off"
    if row.event_count:
        return "present"
    if row.holiday:
        return "holiday"
    if row.absent:
        return "absent"
    return "scheduled" if row.scheduled else "day off"
