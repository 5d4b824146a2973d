from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import ADMIN, HR, LABELS, RECEPTION, SECURITY, VIEWER


class ApiToken(models.Model):
    """A key for an integration, with a role. Only a hash of the key is stored."""

    class Role(models.TextChoices):
        ADMIN = ADMIN, LABELS[ADMIN]
        HR = HR, LABELS[HR]
        VIEWER = VIEWER, LABELS[VIEWER]
        SECURITY = SECURITY, LABELS[SECURITY]
        RECEPTION = RECEPTION, LABELS[RECEPTION]

    name = models.CharField(
        max_length=100, help_text=_("What uses this token, e.g. 'HR system sync'."), verbose_name=_("name")
    )
    role = models.CharField(max_length=16, choices=Role.choices, verbose_name=_("role"))
    # the first characters of the key, so that a person can tell tokens apart
    prefix = models.CharField(max_length=12, editable=False, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key hash"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="api_tokens",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("revoked at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…, {self.role})"

    @property
    def active(self):
        return self.revoked_at is None


class PersonalToken(models.Model):
    """A key a person makes for themselves (a phone app, a script of theirs). It acts as
    that user but with only the person's own side: an employee's token reads their
    own data, a manager's their departments', never what the user's groups allow
    (an HR manager's personal token is not an HR key). Only a hash of the key is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_tokens", verbose_name=_("user")
    )
    name = models.CharField(
        max_length=100, help_text=_("What uses this token, e.g. 'my phone'."), verbose_name=_("name")
    )
    prefix = models.CharField(max_length=12, editable=False, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key hash"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("revoked at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal API token")
        verbose_name_plural = _("personal API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…, {self.user})"

    @property
    def active(self):
        return self.revoked_at is None
