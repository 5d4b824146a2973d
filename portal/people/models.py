import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.fields import MessageField, MessageJSONField


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


def staff_only(person="person"):
    """A filter for rows of staff only, through their `person` field (the rows are not people).

    The same rule as PersonQuerySet.staff, written as NOT EXISTS: PostgreSQL plans
    `person__visitor=None` (a left join tested for NULL) as if almost no row passed
    when there are few visitors, and then reads a month of summaries person by person
    (0.4 s more for the everyone-report at 10,000 people)."""
    visitor = Person._meta.get_field("visitor").related_model  # access's model, without importing access
    return ~models.Exists(visitor.objects.filter(person_id=models.OuterRef(person)))


class PersonQuerySet(models.QuerySet):
    def staff(self):
        """Employees only: a visitor is a Person too (the gallery's identity for their face),
        but never in attendance, summaries, dashboards, reports or staff pickers."""
        return self.filter(visitor=None)


class Person(models.Model):
    # a person's name is 姓名 in Chinese, a department's or a door's 名称
    name = models.CharField(max_length=200, verbose_name=pgettext_lazy("person", "name"))
    employee_id = models.CharField(_("employee ID"), max_length=64, unique=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name=_("department"),
    )
    active = models.BooleanField(
        default=True, help_text=_("Inactive people are not recognized."), verbose_name=_("active")
    )
    # set while this record is merged into another and the merge can still be
    # undone; the record is kept (hidden) so that an undo gives everything back
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # the name in every spelling a search should find (portal/people/search.py), set on save
    search_key = models.TextField(blank=True, default="", editable=False, verbose_name=_("search key"))
    # the order of lists: Chinese names by their pinyin among the others (portal.people.search.sort_key)
    sort_key = models.CharField(max_length=200, blank=True, default="", editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key", "name"]
        # lists in name order (reports by person, the directory) read people in this order and stop
        # after a page: the everyone report for a month at 10,000 people took 266 ms to sort, 1 ms so
        indexes = [models.Index(fields=["sort_key", "name", "employee_id"], name="person_sort_name_employee_id")]
        verbose_name_plural = _("people")
        verbose_name = _("person")

    def __str__(self):
        return f"{self.name} ({self.employee_id})"

    def save(self, *args, **kwargs):
        from portal.people.search import search_key, sort_key

        self.search_key = search_key(self.name)
        self.sort_key = sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key", "sort_key"}
        super().save(*args, **kwargs)


def import_path(instance, filename):
    return f"imports/{uuid.uuid4().hex}.zip"


class ImportJob(models.Model):
    """A ZIP of people and their photos, imported by a worker, and its report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    archive = models.FileField(upload_to=import_path, max_length=255, verbose_name=_("archive"))
    filename = models.CharField(max_length=255, verbose_name=_("filename"))
    # everyone of the archive goes there, unless people.csv names another department
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("department")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    total = models.PositiveIntegerField(default=0, verbose_name=_("total"))  # photos to process
    done = models.PositiveIntegerField(default=0, verbose_name=_("done"))
    # see portal.people.imports.Report.as_dict
    report = MessageJSONField(null=True, blank=True, verbose_name=_("report"))
    # why it failed, a stored message (portal.people.imports.NOT_A_ZIP..., jobs.TOO_LONG, jobs.BROKEN)
    error = MessageField(max_length=500, blank=True, verbose_name=_("error"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    # who holds the claim: "<task id> <worker>:<pid>" (portal.core.jobs.claim_token)
    claimed_by = models.CharField(max_length=200, blank=True, editable=False, verbose_name=_("claimed by"))
    # when the row was last handed to the broker; null: when it was created
    sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sent at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self):
        return f"import {self.pk} of {self.filename} ({self.status})"

    @property
    def percent(self):
        return 100 if self.status == self.Status.DONE else (100 * self.done // self.total if self.total else 0)


class MergeRecord(models.Model):
    """One merge of a duplicate record into another, with what moved, so it can be undone.

    `moved` maps "app_label.model.field" to the ids of the rows whose `field`
    was changed from `source` to `target`; `photos` holds the photos whose
    status the merge changed, with their former values.
    """

    source = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges_out", verbose_name=_("source"))
    target = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges_in", verbose_name=_("target"))
    source_active = models.BooleanField(default=True, verbose_name=_("source active"))
    moved = models.JSONField(default=dict, verbose_name=_("moved"))
    photos = models.JSONField(default=list, verbose_name=_("photos"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    undone_at = models.DateTimeField(null=True, blank=True, verbose_name=_("undone at"))
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("merge record")
        verbose_name_plural = _("merge records")

    def __str__(self):
        return f"merge of {self.source_id} into {self.target_id}"

    @property
    def moved_count(self):
        return sum(len(ids) for ids in self.moved.values())
