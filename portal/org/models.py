"""The organization itself: one row, set on its settings page (admins)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """The one organization the portal runs (pk 1); what a new organization sets first."""

    name = models.CharField(
        _("organization's name"),
        max_length=200,
        blank=True,
        help_text=_("Printed at the top of PDF timesheets and monthly summaries, and shown in the header."),
    )
    # a PNG redrawn from the upload (portal.org.logo); a new name each time, so pages and
    # browsers never show the one it replaced
    logo = models.FileField(_("logo"), upload_to="organization/", max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organization")

    def __str__(self):
        return self.name or "organization"
