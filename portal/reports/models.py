from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.fields import MessageField


class ReportExport(models.Model):
    """A large export written by a worker; the user follows its progress."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")
        PDF = "pdf", _("PDF timesheet")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")  # the file was removed after REPORT_EXPORT_KEEP_DAYS

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_exports", verbose_name=_("user")
    )
    format = models.CharField(max_length=4, choices=Format.choices, verbose_name=_("format"))
    # the report filters, as the query string of the reports page
    filters = models.JSONField(verbose_name=_("filters"))
    # the requesting user's language: the worker writes headers and titles in it
    language = models.CharField(max_length=16, blank=True, verbose_name=_("language"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    rows_total = models.PositiveIntegerField(default=0, verbose_name=_("rows total"))
    rows_done = models.PositiveIntegerField(default=0, verbose_name=_("rows done"))
    file = models.FileField(upload_to="exports/", blank=True, verbose_name=_("file"))
    # why it failed, a stored message (portal.reports.jobs.FILTERS_INVALID, FAILED, TOO_LONG, BROKEN)
    error = MessageField(max_length=2000, blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    # who holds the claim: "<task id> <worker>:<pid>" (portal.core.jobs.claim_token)
    claimed_by = models.CharField(max_length=200, blank=True, editable=False, verbose_name=_("claimed by"))
    # when the row was last handed to the broker; null: when it was created
    sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sent at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # set by an erasure while the export is queued or running, when the person may be in it: the
    # worker then writes the file again without them (portal.reports.services.report_exports_forget)
    person_erased_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("person erased at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")

    def __str__(self):
        return f"{self.format} export {self.pk} ({self.status})"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
