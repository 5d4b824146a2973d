"""Employees' requests (missed punch 补卡, leave 请假, overtime 加班), their
approval steps, leave types and entitlements."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from portal.attendance.models import AttendanceEvent
from portal.people.models import Department, Person


class Kind(models.TextChoices):
    MISSED_PUNCH = "missed_punch", _("missed punch")
    LEAVE = "leave", _("leave")
    OVERTIME = "overtime", _("overtime")


class Approver(models.TextChoices):
    MANAGER = "manager", _("the department's manager")
    HR = "hr", _("HR")


class Flow(models.TextChoices):
    """Who approves, in order."""

    MANAGER_HR = "manager,hr", _("the department's manager, then HR")
    MANAGER = "manager", _("the department's manager only")
    HR = "hr", _("HR only")


class ApprovalFlow(models.Model):
    """The approval steps of one kind of request (set on the requests settings page)."""

    kind = models.CharField(max_length=16, choices=Kind.choices, unique=True, verbose_name=_("kind"))
    flow = models.CharField(max_length=16, choices=Flow.choices, default=Flow.MANAGER_HR, verbose_name=_("steps"))

    class Meta:
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")

    def __str__(self):
        return f"{self.kind}: {self.flow}"


class LeaveType(models.Model):
    """A kind of leave. The built-in ones' names are our own words, shown in the
    reader's language; HR adds others with their own names."""

    BUILTIN = {
        "annual": gettext_noop("Annual leave"),
        "sick": gettext_noop("Sick leave"),
        "personal": gettext_noop("Personal leave"),
        "business_trip": gettext_noop("Business trip"),
        "compensatory": gettext_noop("Compensatory time off"),
    }

    code = models.SlugField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    # with a balance: a request beyond the entitlement is refused; without: no limit
    has_balance = models.BooleanField(default=True, verbose_name=_("has a balance"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("leave type")
        verbose_name_plural = _("leave types")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return gettext(self.name) if self.BUILTIN.get(self.code) == self.name else self.name


class LeaveEntitlement(models.Model):
    """Days of one leave type a person (or everyone of a department) may take in a year."""

    leave_type = models.ForeignKey(
        LeaveType, on_delete=models.CASCADE, related_name="entitlements", verbose_name=_("leave type")
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("department")
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    days = models.DecimalField(max_digits=6, decimal_places=2, verbose_name=_("days"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=True, person__isnull=False)
                | models.Q(department__isnull=False, person__isnull=True),
                name="entitlement_one_scope",
            ),
        ]
        verbose_name = _("leave entitlement")
        verbose_name_plural = _("leave entitlements")

    def __str__(self):
        return f"{self.leave_type.code} {self.year}: {self.days}"


def attachment_path(instance, filename):
    return f"requests/{uuid.uuid4().hex}{filename}"


class Request(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Unit(models.TextChoices):
        DAYS = "days", _("whole days")
        HALF = "half", _("half a day")
        HOURS = "hours", _("hours")

    class Half(models.TextChoices):
        MORNING = "am", _("morning")
        AFTERNOON = "pm", _("afternoon")

    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="requests", verbose_name=_("person"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    reason = models.TextField(verbose_name=_("reason"))
    # the approval steps, fixed when submitted ("manager", "hr"), and which one is next
    steps = models.JSONField(default=list, verbose_name=_("steps"))
    step = models.PositiveSmallIntegerField(default=0, verbose_name=_("step"))
    # missed punch
    punch_at = models.DateTimeField(null=True, blank=True, verbose_name=_("time"))
    punch_direction = models.CharField(
        max_length=3, blank=True, choices=AttendanceEvent.Direction.choices, verbose_name=_("direction")
    )
    event = models.ForeignKey(
        AttendanceEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("event")
    )
    # leave
    leave_type = models.ForeignKey(
        LeaveType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("leave type"),
    )
    unit = models.CharField(max_length=8, blank=True, choices=Unit.choices, verbose_name=_("unit"))
    start_day = models.DateField(null=True, blank=True, verbose_name=_("first day"))
    end_day = models.DateField(null=True, blank=True, verbose_name=_("last day"))
    half = models.CharField(max_length=2, blank=True, choices=Half.choices, verbose_name=_("half"))
    start_time = models.TimeField(null=True, blank=True, verbose_name=_("from time"))
    # leave in hours, or overtime hours
    hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, verbose_name=_("hours"))
    # leave: working days it takes (computed when submitted; what the balance counts)
    days = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(0), verbose_name=_("days"))
    attachment = models.FileField(upload_to=attachment_path, max_length=255, blank=True, verbose_name=_("attachment"))
    attachment_name = models.CharField(max_length=200, blank=True, verbose_name=_("attachment name"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "status"])]
        verbose_name = _("request")
        verbose_name_plural = _("requests")

    def __str__(self):
        return f"{self.kind} {self.pk} of {self.person_id} ({self.status})"

    @property
    def waiting_for(self):
        """ "manager" or "hr" while pending, else ""."""
        return self.steps[self.step] if self.status == self.Status.PENDING and self.step < len(self.steps) else ""


class Action(models.Model):
    """Every step of a request, never changed: submitted, approved (one step),
    rejected, withdrawn."""

    class Verb(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="actions", verbose_name=_("request"))
    verb = models.CharField(max_length=16, choices=Verb.choices, verbose_name=_("action"))
    # which approval step it decided ("manager", "hr"), empty for the requester's own actions
    as_role = models.CharField(max_length=16, blank=True, choices=Approver.choices, verbose_name=_("as"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    # kept as text too: the account may be removed, the trail must still say who
    username = models.CharField(max_length=150, verbose_name=_("user name"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("at"))
    comment = models.TextField(blank=True, verbose_name=_("comment"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request action")
        verbose_name_plural = _("request actions")

    def __str__(self):
        return f"{self.username} {self.verb} request {self.request_id}"
