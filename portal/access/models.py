"""Doors, who may open them and when, what happened at them, and the commands sent to their locks."""

import uuid

from django.conf import settings
from django.db import models

from portal.people.models import Department, Person


class Zone(models.Model):
    """A building, a floor, a lab: a set of doors with one anti-passback rule."""

    class Passback(models.TextChoices):
        OFF = "off", "off"
        SOFT = "soft", "soft: a second entry is logged, the door opens"
        HARD = "hard", "hard: a second entry is refused"

    name = models.CharField(max_length=100, unique=True)
    anti_passback = models.CharField(max_length=4, choices=Passback.choices, default=Passback.OFF)
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="For the time windows of its doors; empty: the portal's TIME_ZONE."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Door(models.Model):
    class Mode(models.TextChoices):
        FACE = "face", "face"
        FACE_AND_BADGE = "face_badge", "face and badge/employee ID (the kiosk's verify mode)"
        FACE_OR_BADGE_PIN = "face_or_pin", "face, or badge and PIN"

    class State(models.TextChoices):
        NORMAL = "normal", "normal"
        UNLOCKED = "unlocked", "unlocked"
        LOCKED_DOWN = "locked_down", "locked down"

    name = models.CharField(max_length=100, unique=True)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="doors")
    unlock_seconds = models.PositiveSmallIntegerField(default=5)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.FACE)
    state = models.CharField(max_length=12, choices=State.choices, default=State.NORMAL, editable=False)
    # an operator's "unlock for N minutes": until when
    unlocked_until = models.DateTimeField(null=True, blank=True, editable=False)
    time_clock = models.BooleanField(
        default=False, help_text="Passing this door also records attendance (the outer doors, typically)."
    )
    unlock_schedule = models.ForeignKey(
        "AccessLevel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unlocks_doors",
        help_text="Unlocked for everyone during this level's windows (a lobby in office hours); empty: never.",
    )
    # the lock controller's own name for the door; empty: the door's id
    controller_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["zone__name", "name"]

    def __str__(self):
        return self.name

    @property
    def address(self):
        return self.controller_id or str(self.pk)


class AccessLevel(models.Model):
    """Doors (or whole zones) and when they may be opened. Default is deny."""

    name = models.CharField(max_length=100, unique=True)
    doors = models.ManyToManyField(Door, blank=True, related_name="levels")
    zones = models.ManyToManyField(Zone, blank=True, related_name="levels")
    any_time = models.BooleanField(default=False, help_text="At every hour of every day; the windows are ignored.")
    closed_on_holidays = models.BooleanField(
        default=True, help_text="No access on the holidays of the organization's default schedule."
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True, help_text="Last day on which it is valid.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TimeWindow(models.Model):
    """One weekly window of a level; an end at or before the start runs over midnight."""

    level = models.ForeignKey(AccessLevel, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (d, n)
            for d, n in enumerate(
                ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], start=1
            )
        ]
    )
    start = models.TimeField()
    end = models.TimeField(help_text="At or before the start: until that time the next day.")

    class Meta:
        ordering = ["level", "weekday", "start"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class AccessGroup(models.Model):
    """People and whole departments, and the levels they get."""

    name = models.CharField(max_length=100, unique=True)
    people = models.ManyToManyField(Person, blank=True, related_name="access_groups")
    departments = models.ManyToManyField(Department, blank=True, related_name="access_groups")
    levels = models.ManyToManyField(AccessLevel, blank=True, related_name="groups")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class BadgePin(models.Model):
    """A person's PIN for doors in "face, or badge and PIN" mode; only its hash is kept."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="badge_pin")
    pin_hash = models.CharField(max_length=200, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"PIN of {self.person.name}"


class Visitor(models.Model):
    """A visitor's pass. The face lives on `person` (the gallery's identity)
    until it is erased; this row stays as the audit trail, without biometrics."""

    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    host = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="hosted_visitors")
    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="visitor")
    doors = models.ManyToManyField(Door, related_name="visitors")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]

    def __str__(self):
        return f"visitor {self.name}"


class AccessEvent(models.Model):
    """One attempt at a door and its decision; never edited."""

    class Result(models.TextChoices):
        GRANTED = "granted"
        DENIED = "denied"

    class Direction(models.TextChoices):
        ENTRY = "entry"
        EXIT = "exit"

    at = models.DateTimeField(db_index=True)
    door = models.ForeignKey(Door, on_delete=models.PROTECT, related_name="events")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="events")
    direction = models.CharField(max_length=5, choices=Direction.choices)
    kiosk = models.ForeignKey("kiosks.Kiosk", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_events")
    visitor = models.ForeignKey(Visitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    capture = models.ForeignKey(
        "recognition.Capture", null=True, blank=True, on_delete=models.SET_NULL, related_name="access_events"
    )
    distance = models.FloatField(null=True, blank=True)
    result = models.CharField(max_length=7, choices=Result.choices)
    # a stable code (see portal.access.rules.REASONS) and the sentence shown at the door
    reason = models.CharField(max_length=20)
    message = models.CharField(max_length=200)
    explanation = models.JSONField(default=list)
    # soft anti-passback: opened, but logged as a second entry
    passback_violation = models.BooleanField(default=False)
    # a refused stranger's encoding (128 float32), kept ALERT_UNKNOWN_MINUTES to tell the same
    # face coming back from different ones, then cleared (alerts.unknown_faces_forget)
    unknown_face = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["zone", "person", "at"]), models.Index(fields=["door", "at"])]

    def __str__(self):
        return f"{self.result} at {self.door} {self.at:%Y-%m-%d %H:%M:%S}"


class PassbackReset(models.Model):
    """An operator's reset of anti-passback in a zone, for one person or everyone."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="passback_resets")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self):
        return f"anti-passback reset in {self.zone} at {self.at:%Y-%m-%d %H:%M}"


class DoorCommand(models.Model):
    """Outbox: one command for one door over one channel, written with its cause.

    A worker delivers it; one not delivered within DOOR_COMMAND_MAX_AGE_SECONDS
    of `issued_at` is never sent (a door must not open late).
    """

    class Command(models.TextChoices):
        UNLOCK = "unlock"
        LOCKDOWN = "lockdown"
        RELEASE = "release", "end lockdown"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        EXPIRED = "expired"
        FAILED = "failed"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the idempotency key
    door = models.ForeignKey(Door, on_delete=models.CASCADE, related_name="commands")
    command = models.CharField(max_length=10, choices=Command.choices)
    seconds = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=10)  # "mqtt" or "webhook"
    event = models.ForeignKey(AccessEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="commands")
    issued_at = models.DateTimeField(db_index=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return f"{self.command} {self.door} via {self.channel} ({self.status})"

    def payload(self):
        return {
            "door": self.door.address,
            "command": self.command,
            "seconds": self.seconds,
            "event_id": self.event_id,
            "issued_at": self.issued_at.isoformat(),
            "key": str(self.key),
        }


class OperatorAction(models.Model):
    """The audit trail of what operators did to doors: unlock, lockdown, reset."""

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    door = models.ForeignKey(Door, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.username}: {self.action} {self.detail}".strip()


class Alert(models.Model):
    """Something security should see: shown in the portal, sent as a signed webhook."""

    class Kind(models.TextChoices):
        UNKNOWN_REPEATED = "unknown_repeated", "unknown face refused repeatedly"
        LOCKDOWN = "lockdown", "door locked down"
        DELIVERY_FAILING = "delivery_failing", "door commands failing"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=300)
    door = models.ForeignKey(Door, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # outbox for the alert webhook
    delivery = models.CharField(max_length=8, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return self.message
