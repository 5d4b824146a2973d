"""Employees' own side: the account a person signs in with, the managers of each
department, one-time invitation codes, and notifications."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from portal.core.messages import message_from_json, message_text
from portal.people.models import Department, Person

DATE_PARAMS = {"day"}  # kept as ISO dates (the reminders look them up): shown in the reader's format


def _param_text(key, value):
    if isinstance(value, dict):  # a stored message ({"code", "params"}: a pass's times)
        return message_text(message_from_json(value))
    if key in DATE_PARAMS and isinstance(value, str):
        try:
            return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return value


class EmployeeAccount(models.Model):
    """The user account of a person: at most one each way."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="account", verbose_name=_("person"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee", verbose_name=_("user")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("employee account")
        verbose_name_plural = _("employee accounts")

    def __str__(self):
        return f"{self.person} as {self.user}"


class DepartmentManager(models.Model):
    """A person who reads a department's days and approves its requests; a department may have several."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="managers", verbose_name=_("department")
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="manages", verbose_name=_("person"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "person"], name="manager_once_per_department")]
        verbose_name = _("department manager")
        verbose_name_plural = _("department managers")

    def __str__(self):
        return f"{self.person} manages {self.department}"


class InvitationCode(models.Model):
    """A printable one-time code for someone without e-mail; only its hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitation_codes", verbose_name=_("user")
    )
    code_hash = models.CharField(max_length=64, unique=True, verbose_name=_("code hash"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("invitation code")
        verbose_name_plural = _("invitation codes")

    def __str__(self):
        return f"invitation code for {self.user}"


class Notification(models.Model):
    """Something a user should know, kept as a code and its parameters and shown in
    the reader's language (the bell, the notifications page, the e-mail)."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("invitation")
        REQUEST_WAITING = "request_waiting", _("request waiting for you")
        REQUEST_DECIDED = "request_decided", _("request decided")
        MISSING_CHECKOUT = "missing_checkout", _("missing check-out")
        VISITOR_REGISTERED = "visitor_registered", _("visitor registered")
        VISITOR_ARRIVED = "visitor_arrived", _("visitor arrived")

    TEXTS = {
        Kind.INVITATION: gettext_noop("Welcome to the attendance portal: your account is ready."),
        Kind.REQUEST_WAITING: gettext_noop("%(person)s asks for %(request)s: waiting for your approval."),
        Kind.REQUEST_DECIDED: gettext_noop("Your request for %(request)s was %(decision)s by %(by)s."),
        Kind.MISSING_CHECKOUT: gettext_noop("No check-out was recorded on %(day)s: ask for a missed punch."),
        Kind.VISITOR_REGISTERED: gettext_noop(
            "Your visitor %(visitor)s is registered, with a pass from %(start)s until %(until)s (%(doors)s)."
        ),
        Kind.VISITOR_ARRIVED: gettext_noop("Your visitor %(visitor)s has arrived: let in at %(door)s at %(at)s."),
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, verbose_name=_("kind"))
    # parameters of the text; a value that is itself a phrase of ours is stored as its
    # English msgid and translated when shown (listed in `translated`)
    params = models.JSONField(default=dict, blank=True, verbose_name=_("parameters"))
    translated = models.JSONField(default=list, blank=True, verbose_name=_("translated parameters"))
    link = models.CharField(max_length=500, blank=True, verbose_name=_("link"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return f"{self.kind} for {self.user}"

    @property
    def text(self):
        """The notification in the current language."""
        params = {k: gettext(v) if k in self.translated else _param_text(k, v) for k, v in self.params.items()}
        try:
            return gettext(self.TEXTS[self.kind]) % params
        except (KeyError, TypeError, ValueError):
            return gettext(self.TEXTS.get(self.kind, self.kind))
