from django.conf import settings
from django.db import models

from portal.accounts.roles import ADMIN, GROUPS, HR, RECEPTION, SECURITY, VIEWER


class ApiToken(models.Model):
    """A key for an integration, with a role. Only a hash of the key is stored."""

    class Role(models.TextChoices):
        ADMIN = ADMIN, GROUPS[ADMIN]
        HR = HR, GROUPS[HR]
        VIEWER = VIEWER, GROUPS[VIEWER]
        SECURITY = SECURITY, GROUPS[SECURITY]
        RECEPTION = RECEPTION, GROUPS[RECEPTION]

    name = models.CharField(max_length=100, help_text="What uses this token, e.g. 'HR system sync'.")
    role = models.CharField(max_length=16, choices=Role.choices)
    # the first characters of the key, so that a person can tell tokens apart
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…, {self.role})"

    @property
    def active(self):
        return self.revoked_at is None
