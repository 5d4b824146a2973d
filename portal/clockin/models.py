"""Clocking in from a phone: the places it is allowed from (sites and networks),
each department's policy, and an attempt while its face is being checked."""

import ipaddress

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from portal.people.models import Department, Person


class Site(models.Model):
    """A place people clock in at: within `radius_m` metres of a point."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)], verbose_name=_("latitude"))
    longitude = models.FloatField(
        validators=[MinValueValidator(-180), MaxValueValidator(180)], verbose_name=_("longitude")
    )
    radius_m = models.PositiveIntegerField(
        default=200,
        # under 20 m a phone's own error decides; over 50 km it is no longer a site
        validators=[MinValueValidator(20), MaxValueValidator(50_000)],
        verbose_name=_("radius (m)"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self):
        return self.name


def network_validate(value):
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValidationError(
            _("%(value)s is not an address or a range (for example 203.0.113.0/24 or 2001:db8::/48)."),
            code="bad_network",
            params={"value": value},
        ) from None


class AllowedNetwork(models.Model):
    """An address range clocking in is allowed from (the office's Wi-Fi as the portal sees it)."""

    name = models.CharField(max_length=100, verbose_name=_("name"))
    network = models.CharField(max_length=64, unique=True, validators=[network_validate], verbose_name=_("range"))

    class Meta:
        ordering = ["name", "network"]
        verbose_name = _("allowed network")
        verbose_name_plural = _("allowed networks")

    def __str__(self):
        return f"{self.name} ({self.network})"

    def save(self, *args, **kwargs):
        # kept in one spelling: 10.1.2.3/8 and 10.0.0.0/8 are the same range
        self.network = str(ipaddress.ip_network(self.network, strict=False))
        super().save(*args, **kwargs)


class Place(models.TextChoices):
    OFF = "off", _("phone clock-in off")
    LOCATION = "location", _("location required")
    NETWORK = "network", _("network required")
    EITHER = "either", _("location or network")


class PhonePolicy(models.Model):
    """How a department's people may clock in from a phone; the row without a
    department is everyone else's (no policy at all: off)."""

    department = models.OneToOneField(
        Department,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="phone_policy",
        verbose_name=_("department"),
    )
    place = models.CharField(max_length=10, choices=Place.choices, default=Place.OFF, verbose_name=_("place"))
    face_required = models.BooleanField(default=True, verbose_name=_("face required"))
    liveness = models.BooleanField(
        default=True,
        help_text=_("The selfie must show a live face, as at kiosks: a photo of a photo is refused."),
        verbose_name=_("liveness"),
    )

    class Meta:
        constraints = [
            # one policy per department and one for everyone else (no department: 0 here)
            models.UniqueConstraint(Coalesce("department", Value(0)), name="one_phone_policy_per_scope"),
        ]
        verbose_name = _("phone clock-in policy")
        verbose_name_plural = _("phone clock-in policies")

    def __str__(self):
        return f"{self.department or 'everyone else'}: {self.place}"


class PhoneClockIn(models.Model):
    """One clock-in from a phone whose selfie a worker checks.

    The location waits here only until the face is decided: then it moves to
    the attendance event (accepted) or is dropped (refused), see
    portal.clockin.services.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("being checked")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    client_id = models.CharField(max_length=64, verbose_name=_("client ID"))
    capture = models.OneToOneField(
        "recognition.Capture",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_clock_in",
        verbose_name=_("capture"),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    reason = models.CharField(max_length=32, blank=True, verbose_name=_("reason"))
    site = models.CharField(max_length=100, blank=True, verbose_name=_("site"))
    network = models.CharField(max_length=100, blank=True, verbose_name=_("network"))
    latitude = models.FloatField(null=True, blank=True, verbose_name=_("latitude"))
    longitude = models.FloatField(null=True, blank=True, verbose_name=_("longitude"))
    accuracy_m = models.FloatField(null=True, blank=True, verbose_name=_("accuracy (m)"))
    event = models.ForeignKey(
        "attendance.AttendanceEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("event"),
    )
    event_created = models.BooleanField(default=False, verbose_name=_("event created"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "client_id"], name="one_clock_in_per_client_id")]
        verbose_name = _("phone clock-in")
        verbose_name_plural = _("phone clock-ins")

    def __str__(self):
        return f"phone clock-in {self.pk} of {self.person_id} ({self.status})"
