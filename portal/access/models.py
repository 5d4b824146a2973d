"""Doors, who may open them and when, what happened at them, and the commands sent to their locks."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.fields import MessageField, MessageJSONField
from portal.people.models import Department, Person


class Zone(models.Model):
    """A building, a floor, a lab: a set of doors with one anti-passback rule."""

    class Passback(models.TextChoices):
        OFF = "off", _("off")
        SOFT = "soft", _("soft: a second entry is logged, the door opens")
        HARD = "hard", _("hard: a second entry is refused")

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    anti_passback = models.CharField(
        max_length=4, choices=Passback.choices, default=Passback.OFF, verbose_name=_("anti passback")
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("For the time windows of its doors; empty: the portal's TIME_ZONE."),
        verbose_name=_("time zone"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")

    def __str__(self):
        return self.name


class Door(models.Model):
    class Mode(models.TextChoices):
        FACE = "face", _("face")
        FACE_AND_BADGE = "face_badge", _("face and badge/employee ID (the kiosk's verify mode)")
        FACE_OR_BADGE_PIN = "face_or_pin", _("face, or badge and PIN")

    class State(models.TextChoices):
        NORMAL = "normal", _("normal")
        UNLOCKED = "unlocked", _("unlocked")
        LOCKED_DOWN = "locked_down", _("locked down")

    class Liveness(models.TextChoices):
        OFF = "off", _("off: any face, a photo too")
        STANDARD = "standard", _("on: a flat picture is refused")
        HIGH = "high", _("high: a flat picture is refused, and the kiosk asks for a random movement")

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="doors", verbose_name=_("zone"))
    unlock_seconds = models.PositiveSmallIntegerField(default=5, verbose_name=_("unlock seconds"))
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.FACE, verbose_name=_("mode"))
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.NORMAL, editable=False, verbose_name=_("state")
    )
    # an operator's "unlock for N minutes": until when
    unlocked_until = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("unlocked until"))
    time_clock = models.BooleanField(
        default=False,
        help_text=_("Passing this door also records attendance (the outer doors, typically)."),
        verbose_name=_("time clock"),
    )
    unlock_schedule = models.ForeignKey(
        "AccessLevel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unlocks_doors",
        help_text=_("Unlocked for everyone during this level's windows (a lobby in office hours); empty: never."),
        verbose_name=_("unlock schedule"),
    )
    # the lock controller's own name for the door; empty: the door's id
    controller_id = models.CharField(max_length=100, blank=True, verbose_name=_("controller ID"))
    held_open_seconds = models.PositiveSmallIntegerField(
        default=30,
        help_text=_("A door open longer than this after it was opened raises a held-open alarm (door agents only)."),
        verbose_name=_("held-open alarm after (seconds)"),
    )
    liveness = models.CharField(
        max_length=8,
        choices=Liveness.choices,
        default=Liveness.STANDARD,
        help_text=_(
            "How its kiosks and cameras tell a face from a picture of one (docs/liveness.md). On by default: "
            "a printed photo or a phone screen is refused however it is moved. High: the kiosk also asks for a "
            "movement chosen at random (turn left or right, blink). Neither stops a video of the person "
            "replayed on a screen or a 3D mask."
        ),
        verbose_name=_("liveness"),
    )
    # visitor passes (portal.access.visitors): security decides which doors reception may give, and for how long
    visitor_door = models.BooleanField(
        default=False,
        help_text=_("Reception may give visitors a pass to this door (security staff may give any door)."),
        verbose_name=_("visitor door"),
    )
    visitor_max_hours = models.PositiveIntegerField(
        default=24,
        help_text=_("The longest visitor pass to this door, in hours, whoever gives it."),
        verbose_name=_("longest visitor pass (hours)"),
    )

    class Meta:
        ordering = ["zone__name", "name"]
        verbose_name = _("door")
        verbose_name_plural = _("doors")

    def __str__(self):
        return self.name

    @property
    def address(self):
        return self.controller_id or str(self.pk)


class AccessLevel(models.Model):
    """Doors (or whole zones) and when they may be opened. Default is deny."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    doors = models.ManyToManyField(Door, blank=True, related_name="levels", verbose_name=_("doors"))
    zones = models.ManyToManyField(Zone, blank=True, related_name="levels", verbose_name=_("zones"))
    any_time = models.BooleanField(
        default=False, help_text=_("At every hour of every day; the windows are ignored."), verbose_name=_("any time")
    )
    closed_on_holidays = models.BooleanField(
        default=True,
        help_text=_("No access on the holidays of the organization's default schedule."),
        verbose_name=_("closed on holidays"),
    )
    valid_from = models.DateField(null=True, blank=True, verbose_name=_("valid from"))
    valid_until = models.DateField(
        null=True, blank=True, help_text=_("Last day on which it is valid."), verbose_name=_("valid until")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("access level")
        verbose_name_plural = _("access levels")

    def __str__(self):
        return self.name


class TimeWindow(models.Model):
    """One weekly window of a level; an end at or before the start runs over midnight."""

    level = models.ForeignKey(AccessLevel, on_delete=models.CASCADE, related_name="windows", verbose_name=_("level"))
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (d, n)
            for d, n in enumerate(
                [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")],
                start=1,
            )
        ],
        verbose_name=_("weekday"),
    )
    start = models.TimeField(verbose_name=_("start"))
    end = models.TimeField(help_text=_("At or before the start: until that time the next day."), verbose_name=_("end"))

    class Meta:
        ordering = ["level", "weekday", "start"]
        verbose_name = _("time window")
        verbose_name_plural = _("time windows")

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class AccessGroup(models.Model):
    """People and whole departments, and the levels they get."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    people = models.ManyToManyField(Person, blank=True, related_name="access_groups", verbose_name=_("people"))
    departments = models.ManyToManyField(
        Department, blank=True, related_name="access_groups", verbose_name=_("departments")
    )
    levels = models.ManyToManyField(AccessLevel, blank=True, related_name="groups", verbose_name=_("levels"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("access group")
        verbose_name_plural = _("access groups")

    def __str__(self):
        return self.name


class BadgePin(models.Model):
    """A person's PIN for doors in "face, or badge and PIN" mode; only its hash is kept."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="badge_pin", verbose_name=_("person"))
    pin_hash = models.CharField(max_length=200, editable=False, verbose_name=_("pin hash"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("badge pin")
        verbose_name_plural = _("badge pins")

    def __str__(self):
        return f"PIN of {self.person.name}"


class Visitor(models.Model):
    """A visitor's pass. The face lives on `person` (the gallery's identity)
    until it is erased; this row stays as the audit trail, without biometrics."""

    name = models.CharField(max_length=200, verbose_name=pgettext_lazy("person", "name"))
    company = models.CharField(max_length=200, blank=True, verbose_name=_("company"))
    host = models.ForeignKey(
        Person, null=True, on_delete=models.SET_NULL, related_name="hosted_visitors", verbose_name=_("host")
    )
    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="visitor", verbose_name=_("person")
    )
    doors = models.ManyToManyField(Door, related_name="visitors", verbose_name=_("doors"))
    valid_from = models.DateTimeField(verbose_name=_("valid from"))
    valid_until = models.DateTimeField(verbose_name=_("valid until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    erased_at = models.DateTimeField(null=True, blank=True, verbose_name=_("erased at"))
    # the first door that let the visitor in: the host is told once (claimed by a conditional update)
    arrived_at = models.DateTimeField(null=True, blank=True, verbose_name=_("arrived at"))
    # the pass ended early ("end the pass now"): valid_until was moved to this moment
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ended by"),
    )

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")

    def __str__(self):
        return f"visitor {self.name}"


class AccessEvent(models.Model):
    """One attempt at a door and its decision; never edited."""

    class Result(models.TextChoices):
        GRANTED = "granted", _("Granted")
        DENIED = "denied", _("Denied")

    class Direction(models.TextChoices):
        ENTRY = "entry", _("Entry")
        EXIT = "exit", _("Exit")

    at = models.DateTimeField(db_index=True, verbose_name=_("at"))
    door = models.ForeignKey(Door, on_delete=models.PROTECT, related_name="events", verbose_name=_("door"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="events", verbose_name=_("zone"))
    direction = models.CharField(max_length=5, choices=Direction.choices, verbose_name=_("direction"))
    kiosk = models.ForeignKey(
        "kiosks.Kiosk", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("kiosk")
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_events", verbose_name=_("person")
    )
    visitor = models.ForeignKey(
        Visitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="events", verbose_name=_("visitor")
    )
    capture = models.ForeignKey(
        "recognition.Capture",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_events",
        verbose_name=_("capture"),
    )
    distance = models.FloatField(null=True, blank=True, verbose_name=_("distance"))
    result = models.CharField(max_length=7, choices=Result.choices, verbose_name=_("result"))
    # a stable code (see portal.access.rules.REASONS) and the sentence shown at the door
    reason = models.CharField(max_length=20, verbose_name=_("reason"))
    message = models.CharField(max_length=200, verbose_name=_("message"))
    explanation = MessageJSONField(default=list, verbose_name=_("explanation"))
    # soft anti-passback: opened, but logged as a second entry
    passback_violation = models.BooleanField(default=False, verbose_name=_("passback violation"))
    # a refused stranger's encoding (float32, the active version's size), kept ALERT_UNKNOWN_MINUTES to tell the same
    # face coming back from different ones, then cleared (alerts.unknown_faces_forget)
    unknown_face = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["zone", "person", "at"]), models.Index(fields=["door", "at"])]
        verbose_name = _("access event")
        verbose_name_plural = _("access events")

    def __str__(self):
        return f"{self.result} at {self.door} {self.at:%Y-%m-%d %H:%M:%S}"


class PassbackReset(models.Model):
    """An operator's reset of anti-passback in a zone, for one person or everyone."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="passback_resets", verbose_name=_("zone"))
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("passback reset")
        verbose_name_plural = _("passback resets")

    def __str__(self):
        return f"anti-passback reset in {self.zone} at {self.at:%Y-%m-%d %H:%M}"


class DoorCommand(models.Model):
    """Outbox: one command for one door over one channel, written with its cause.

    A worker delivers it; one not delivered within DOOR_COMMAND_MAX_AGE_SECONDS
    of `issued_at` is never sent (a door must not open late).
    """

    class Command(models.TextChoices):
        UNLOCK = "unlock", _("Unlock")
        LOCKDOWN = "lockdown", _("Lockdown")
        RELEASE = "release", _("end lockdown")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        EXPIRED = "expired", _("Expired")
        FAILED = "failed", _("Failed")

    key = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("key")
    )  # the idempotency key
    door = models.ForeignKey(Door, on_delete=models.CASCADE, related_name="commands", verbose_name=_("door"))
    command = models.CharField(max_length=10, choices=Command.choices, verbose_name=_("command"))
    seconds = models.PositiveIntegerField(default=0, verbose_name=_("seconds"))
    channel = models.CharField(max_length=10, verbose_name=_("channel"))  # "mqtt" or "webhook"
    event = models.ForeignKey(
        AccessEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="commands", verbose_name=_("event")
    )
    issued_at = models.DateTimeField(db_index=True, verbose_name=_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("issued by")
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    # why it was not delivered, a stored message (portal.access.texts.DELIVERY_*)
    error = MessageField(max_length=300, blank=True, verbose_name=_("error"))

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("door command")
        verbose_name_plural = _("door commands")

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

    at = models.DateTimeField(auto_now_add=True, verbose_name=_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    username = models.CharField(max_length=150, verbose_name=_("username"))
    action = MessageField(max_length=100, verbose_name=_("action"))
    door = models.ForeignKey(
        Door, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("door")
    )
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("zone")
    )
    detail = MessageField(max_length=300, blank=True, verbose_name=_("detail"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("operator action")
        verbose_name_plural = _("operator actions")

    def __str__(self):
        return f"{self.username}: {self.action} {self.detail}".strip()


class Alert(models.Model):
    """Something security should see: shown in the portal, sent as a signed webhook."""

    class Kind(models.TextChoices):
        UNKNOWN_REPEATED = "unknown_repeated", _("unknown face refused repeatedly")
        LOCKDOWN = "lockdown", _("door locked down")
        DELIVERY_FAILING = "delivery_failing", _("door commands failing")
        HELD_OPEN = "door_held_open", _("door held open")
        FORCED_OPEN = "door_forced_open", _("door forced open")
        TAMPER = "door_tamper", _("door tamper")
        PIN_GUESSING = "pin_guessing", _("wrong PINs in a row")

    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("at"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    message = MessageField(max_length=300, verbose_name=_("message"))
    door = models.ForeignKey(
        Door, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts", verbose_name=_("door")
    )
    # a lockdown's zone: the alert ends with that zone's lockdown, whatever the zone is called by then
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts", verbose_name=_("zone")
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged at"))

    class Delivery(models.TextChoices):
        OFF = "off", _("no webhook")
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will retry")
        REFUSED = "refused", _("refused by the receiver")
        EXPIRED = "expired", _("given up")

    # outbox for the alert webhook: claimed like a door command (portal.access.alerts)
    delivery = models.CharField(
        max_length=8, choices=Delivery.choices, default=Delivery.PENDING, verbose_name=_("delivery")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    # why the webhook did not take it, a stored message (portal.access.texts.DELIVERY_*)
    error = MessageField(max_length=300, blank=True, verbose_name=_("delivery error"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return self.message


class DoorReport(models.Model):
    """What a door agent reported: an append-only log, one row per signed report key.

    `at` is the agent's own time (the order of what happened at the door);
    `received_at` the portal's.
    """

    class Kind(models.TextChoices):
        CONTACT = "contact", _("door contact")
        EXIT = "exit", _("exit button")
        TAMPER = "tamper", _("tamper")
        FIRE = "fire", _("fire signal")
        COMMAND = "command", _("command")

    door = models.ForeignKey(Door, on_delete=models.CASCADE, related_name="reports", verbose_name=_("door"))
    key = models.CharField(max_length=100, unique=True, verbose_name=_("key"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    state = models.CharField(max_length=20, blank=True, verbose_name=_("state"))
    command = models.CharField(max_length=20, blank=True, verbose_name=_("command"))
    result = models.CharField(max_length=20, blank=True, verbose_name=_("result"))
    # the key of the door command acted on (DoorCommand.key), for the access log's "door opened" link
    command_key = models.CharField(max_length=100, blank=True, db_index=True, verbose_name=_("command key"))
    at = models.DateTimeField(verbose_name=_("at"))
    received_at = models.DateTimeField(verbose_name=_("received at"))

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["door", "kind", "at"])]
        verbose_name = _("door report")
        verbose_name_plural = _("door reports")

    def __str__(self):
        return f"{self.door} {self.kind} {self.state or self.result} at {self.at:%Y-%m-%d %H:%M:%S}"


class DoorStatus(models.Model):
    """A door's live state as its agent last told it, and the alarm it is in."""

    class Alarm(models.TextChoices):
        NONE = "", _("none")
        HELD = "held", _("held open")
        FORCED = "forced", _("forced open")

    door = models.OneToOneField(
        Door, primary_key=True, on_delete=models.CASCADE, related_name="status", verbose_name=_("door")
    )
    contact = models.CharField(max_length=6, blank=True, verbose_name=_("contact"))  # open, closed, or unknown
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opened at"))
    alarm = models.CharField(max_length=6, choices=Alarm.choices, blank=True, verbose_name=_("alarm"))
    locked_down = models.BooleanField(default=False, verbose_name=_("locked down at the door"))
    last_unlock_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last unlock"))
    last_unlock_seconds = models.FloatField(default=0, verbose_name=_("last unlock seconds"))
    last_exit_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last exit button"))
    agent_seen_at = models.DateTimeField(null=True, blank=True, verbose_name=_("agent last seen"))

    class Meta:
        verbose_name = _("door status")
        verbose_name_plural = _("door statuses")

    def __str__(self):
        return f"{self.door}: {self.contact or 'unknown'} {self.alarm}".strip()


class ListenerLease(models.Model):
    """Which `doors listen` process consumes the door reports; another takes over when it runs out."""

    name = models.CharField(max_length=40, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    expires = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name}: {self.holder}"
