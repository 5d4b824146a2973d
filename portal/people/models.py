import uuid

from django.conf import settings
from django.db import models


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Person(models.Model):
    name = models.CharField(max_length=200)
    employee_id = models.CharField("employee ID", max_length=64, unique=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="people")
    active = models.BooleanField(default=True, help_text="Inactive people are not recognized.")
    # set while this record is merged into another and the merge can still be
    # undone; the record is kept (hidden) so that an undo gives everything back
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # the name in every spelling a search should find (portal/people/search.py), set on save
    search_key = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return f"{self.name} ({self.employee_id})"

    def save(self, *args, **kwargs):
        from portal.people.search import search_key

        self.search_key = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)


def import_path(instance, filename):
    return f"imports/{uuid.uuid4().hex}.zip"


class ImportJob(models.Model):
    """A ZIP of people and their photos, imported by a worker, and its report."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    archive = models.FileField(upload_to=import_path, max_length=255)
    filename = models.CharField(max_length=255)
    # everyone of the archive goes there, unless people.csv names another department
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)  # photos to process
    done = models.PositiveIntegerField(default=0)
    # see portal.people.imports.Report.as_dict
    report = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # who holds the claim: "<task id> <worker>:<pid>" (portal.recovery.jobs.claim_token)
    claimed_by = models.CharField(max_length=200, blank=True, editable=False)
    # when the row was last handed to the broker; null: when it was created
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

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

    source = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges_out")
    target = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges_in")
    source_active = models.BooleanField(default=True)
    moved = models.JSONField(default=dict)
    photos = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"merge of {self.source_id} into {self.target_id}"

    @property
    def moved_count(self):
        return sum(len(ids) for ids in self.moved.values())
