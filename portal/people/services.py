"""Writing people, their photos and imports. Views and the command call these."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import cast

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.jobs import send
from portal.core.messages import message_from_json, message_json
from portal.people import imports
from portal.people.erasure import person_names_erase, person_pictures_erase
from portal.people.jobs import IMPORT
from portal.people.models import Department, ImportJob, MergeRecord, Person
from recognition import imaging
from recognition.models import FacePhoto, GalleryVersion
from recognition.services import person_photo_add, upload_read

log = logging.getLogger(__name__)


def person_create(*, name: str, employee_id: str, department: Department | None = None, active: bool = True) -> Person:
    return Person.objects.create(name=name, employee_id=employee_id, department=department, active=active)


def person_update(*, person: Person, **fields: object) -> Person:
    for key, value in fields.items():
        setattr(person, key, value)
    person.save()
    return person


def person_set_active(*, person: Person, active: bool) -> Person:
    person.active = active
    person.save(update_fields=["active", "updated_at"])
    return person


def person_delete(*, person: Person) -> None:
    """Erase a person: their photos and templates (files and kiosk thumbnails
    included, see portal.kiosks.signals), attendance and verifications (by
    cascade), and every other picture and line that shows or names them
    (portal.people.erasure). The records merged into them and hidden while the
    merge can be undone are the same person (one may keep a copy of a photo):
    they are erased with them."""
    try:
        with transaction.atomic():
            for record in [*_merged_into(person), person]:
                person_pictures_erase(person=record)
                person_names_erase(person=record)
                record.delete()
    except ProtectedError as exc:
        raise ValueError(
            _("%(name)s is still referenced (%(objects)s); deactivate instead.")
            % {"name": person.name, "objects": exc.protected_objects}
        ) from None


def _merged_into(person: Person) -> list[Person]:
    """Every record merged into `person`, and into those in turn (a merged record can have had its own)."""
    found: list[Person] = []
    layer = list(Person.objects.filter(merged_into=person))
    while layer:
        found += layer
        layer = list(Person.objects.filter(merged_into__in=layer))
    return found


def person_photos_upload(
    *, person: Person, files: Iterable[UploadedFile]
) -> tuple[list[FacePhoto], list[FacePhoto], list[tuple[str, str, str]]]:
    """Check and store several uploaded photos; each is encoded by a worker.

    Returns (added, already, errors) where errors is a list of
    (filename, message, code) for the files that were refused.
    """
    added: list[FacePhoto] = []
    already: list[FacePhoto] = []
    errors: list[tuple[str, str, str]] = []
    for file in files:
        name = cast(str, file.name)  # an uploaded file always has one (the stubs allow None)
        try:
            data = upload_read(file)
        except imaging.ImageRejected as exc:
            errors.append((name, exc.message, exc.code))
            continue
        photo, created = person_photo_add(person=person, data=data, filename=name)
        (added if created else already).append(photo)
    return added, already, errors


def face_photo_delete(*, photo: FacePhoto) -> None:
    photo.delete()  # the signal bumps the gallery and removes the file after commit


KEEP = "keep"
MERGE = "merge"
DISCARD = "discard"


@transaction.atomic
def face_photo_decide(*, photo: FacePhoto, decision: str, user: User | None = None) -> Person | None:
    """An admin's decision on a photo flagged as looking like someone else.

    keep: a different person; the photo is enrolled as it is.
    merge: the same person entered twice; everything of this record (photos,
      attendance, ...) moves to the look-alike, and this record is hidden
      (person_merge_undo puts it all back).
    discard: the photo is deleted.
    Returns the person who now has the photo (None when discarded).
    """
    photo = FacePhoto.objects.select_for_update().select_related("person", "lookalike").get(pk=photo.pk)
    if photo.status != FacePhoto.Status.REVIEW:
        raise ValueError(_("This photo is not waiting for a decision any more."))
    if decision == DISCARD:
        photo.delete()
        return None
    if decision == KEEP:
        _accept(photo, FacePhoto.Decision.KEPT, user)
        GalleryVersion.bump(people=[photo.person_id])
        return photo.person
    if decision == MERGE:
        if photo.lookalike is None:
            raise ValueError(_("The look-alike person no longer exists; keep or discard the photo."))
        target = photo.lookalike
        person_merge(source=photo.person, target=target, user=user)
        FacePhoto.objects.filter(pk=photo.pk).update(
            decided_by=user if user and user.is_authenticated else None, decided_at=timezone.now()
        )
        return target
    raise ValueError(_("Unknown decision %(decision)r.") % {"decision": decision})


def _accept(photo: FacePhoto, decision: str, user: User | None) -> None:
    photo.status = FacePhoto.Status.ACCEPTED
    photo.decision = decision
    photo.decided_by = user if user and user.is_authenticated else None
    photo.decided_at = timezone.now()
    photo.reason = photo.reason_code = ""
    photo.save(update_fields=["status", "decision", "decided_by", "decided_at", "reason", "reason_code"])


class MergeRefused(ValueError):
    """A merge or an undo that cannot be done; the message says why."""


# derived rows are recomputed rather than moved; merge records describe merges
MERGE_SKIPPED = {"attendance.dailysummary", "people.mergerecord"}


def person_merge(*, source: Person, target: Person, user: User | None = None) -> MergeRecord:
    """Move everything that points at `source` to `target`, and hide `source`.

    Nothing is deleted: `source` stays, inactive and marked as merged, and
    every row moved is listed in a MergeRecord so person_merge_undo can put it
    back. A photo `target` already has (same checksum) and a row another app
    keeps once per person that `target` already has stay with `source`.
    """
    from portal.attendance.models import DailySummary

    if source.pk == target.pk:
        raise MergeRefused(_("A record cannot be merged into itself."))
    if source.merged_into_id:
        raise MergeRefused(_("%(name)s is already merged into another record.") % {"name": source.name})
    with transaction.atomic():
        record = MergeRecord.objects.create(
            source=source,
            target=target,
            source_active=source.active,
            created_by=user if user and user.is_authenticated else None,
        )
        target_hashes = set(target.photos.values_list("sha256", flat=True))
        duplicates = set(source.photos.filter(sha256__in=target_hashes).values_list("pk", flat=True))
        # faces flagged as looking like `target` are now simply `target`'s
        review = source.photos.filter(status=FacePhoto.Status.REVIEW, lookalike=target).exclude(pk__in=duplicates)
        record.photos = [
            # the reason as its code and values (portal.core.messages), put back as one by an unmerge
            {"id": pk, "status": status, "decision": decision, "reason": message_json(reason), "reason_code": code}
            for pk, status, decision, reason, code in review.values_list(
                "pk", "status", "decision", "reason", "reason_code"
            )
        ]
        review.update(status=FacePhoto.Status.ACCEPTED, decision=FacePhoto.Decision.MERGED, reason="", reason_code="")
        moved: dict[str, list[int]] = {}  # "app.model.column" -> ids moved
        for relation in Person._meta.related_objects:
            if not (relation.one_to_many or relation.one_to_one):
                continue
            model = relation.related_model
            if model._meta.label_lower in MERGE_SKIPPED:
                continue
            column = relation.field.name
            rows = model._base_manager.filter(**{column: source})
            if model is FacePhoto and column == "person":
                rows = rows.exclude(pk__in=duplicates)
            ids = list(rows.values_list("pk", flat=True))
            if not ids:
                continue
            try:
                with transaction.atomic():
                    model._base_manager.filter(pk__in=ids).update(**{column: target})
            except IntegrityError:
                log.info("merge %s -> %s: %s rows stay with the merged record", source.pk, target.pk, relation)
                continue
            moved[f"{model._meta.label_lower}.{column}"] = ids
        record.moved = moved
        record.save(update_fields=["moved", "photos"])
        Person.objects.filter(pk=source.pk).update(active=False, merged_into=target)
        DailySummary.objects.filter(person=source).delete()
        _days_recompute(target, record)
        GalleryVersion.bump(people=[source.pk, target.pk])
    return record


def merge_undo_deadline(record: MergeRecord) -> datetime:
    return record.created_at + timedelta(days=settings.PEOPLE_MERGE_UNDO_DAYS)


def person_merge_undo(*, record: MergeRecord, user: User | None = None) -> MergeRecord:
    """Put back every row a merge moved, and the merged record as it was."""
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().select_related("source", "target").get(pk=record.pk)
        if record.undone_at:
            raise MergeRefused(_("This merge was already undone."))
        if timezone.now() > merge_undo_deadline(record):
            raise MergeRefused(
                _("A merge can be undone for %(days)s days; this one is older.")
                % {"days": settings.PEOPLE_MERGE_UNDO_DAYS}
            )
        source = record.source
        for key, ids in record.moved.items():
            label, column = key.rsplit(".", 1)
            apps.get_model(label)._base_manager.filter(pk__in=ids).update(**{column: source})
        for photo in record.photos:
            FacePhoto.objects.filter(pk=photo["id"]).update(
                status=photo["status"],
                decision=photo["decision"],
                reason=message_from_json(photo["reason"]),
                reason_code=photo["reason_code"],
                decided_by=None,
                decided_at=None,
            )
        Person.objects.filter(pk=source.pk).update(active=record.source_active, merged_into=None)
        record.undone_at = timezone.now()
        record.undone_by = user if user and user.is_authenticated else None
        record.save(update_fields=["undone_at", "undone_by"])
        source.refresh_from_db()
        _days_recompute(source, record)
        _days_recompute(record.target, record)
        GalleryVersion.bump(people=[source.pk, record.target_id])
    return record


def person_merges_expire(*, now: datetime | None = None) -> int:
    """Delete the records merged into others whose undo period is over, with
    what stayed with them (a photo the other person already had, ...).
    Returns how many records were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.PEOPLE_MERGE_UNDO_DAYS)
    old = MergeRecord.objects.filter(undone_at=None, created_at__lt=cutoff).values_list("source_id", flat=True)
    deleted = 0
    for person in Person.objects.filter(pk__in=list(old)).exclude(merged_into=None):
        person.delete()  # its merge records go with it (cascade)
        deleted += 1
    return deleted


def _days_recompute(person: Person, record: MergeRecord) -> None:
    """Recompute the days of the events a merge moved, for `person`."""
    from portal.attendance.models import AttendanceEvent
    from portal.attendance.services import attendance_days_recompute

    ids = record.moved.get("attendance.attendanceevent.person", [])
    instants = AttendanceEvent.objects.filter(pk__in=ids).values_list("at", flat=True)
    attendance_days_recompute(person=person, instants=list(instants))


def import_job_submit(
    *, file: File, filename: str, user: User | None = None, department: Department | None = None
) -> ImportJob:
    """Check a ZIP's directory, store it and queue the import.

    Raises imports.ArchiveRefused with a stored message when the archive is refused.
    """
    file.seek(0)
    with imports.zip_open(file) as archive:
        plan = imports.zip_plan(archive)
    if not plan.entries and not plan.rows:
        raise imports.ArchiveRefused(imports.NO_PHOTOS)
    file.seek(0)
    with transaction.atomic():
        job = ImportJob(filename=filename[:255], created_by=user, total=len(plan.entries), department=department)
        job.archive.save("import.zip", File(file), save=False)
        job.save()
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue_import(job_id))
    return job


def _enqueue_import(job_id: int) -> None:
    send(IMPORT, job_id)  # a broker that is down leaves it queued for the reconciler


def import_job_run(*, job: ImportJob) -> None:
    """Run a claimed import job to the end and write its report."""
    try:
        with job.archive.open("rb") as handle, imports.zip_open(handle) as archive:
            plan = imports.zip_plan(archive)
            ImportJob.objects.filter(pk=job.pk).update(total=len(plan.entries), done=0)

            def progress(done: int) -> None:
                ImportJob.objects.filter(pk=job.pk).update(done=done)

            report = imports.people_import(plan=plan, on_progress=progress, department=job.department)
    except imports.ArchiveRefused as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=exc.message, finished_at=timezone.now()
        )
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, report=report.as_dict(), finished_at=timezone.now()
    )


def import_archives_expire(*, now: datetime | None = None) -> int:
    """Delete the uploaded ZIPs of imports finished more than
    IMPORT_ARCHIVE_KEEP_DAYS ago: they hold everyone's face photos, and the
    photos that mattered are enrolled. The jobs and their reports stay."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_ARCHIVE_KEEP_DAYS)
    old = ImportJob.objects.filter(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED], created_at__lt=cutoff
    ).exclude(archive="")
    expired = 0
    for job in old.iterator(chunk_size=200):
        job.archive.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(archive="")
        expired += 1
    return expired


BULK_DEPARTMENT = "department"
BULK_DEACTIVATE = "deactivate"
BULK_ACTIVATE = "activate"


def people_bulk_update(*, ids: Iterable[int], action: str, department: Department | None = None) -> int:
    """One change to many people at once. Returns how many were changed."""
    people = Person.objects.filter(pk__in=ids, merged_into=None)
    if action == BULK_DEPARTMENT:
        # updated_at by hand (an update() skips auto_now): an erasure reads it to know whether they may
        # have been in another department when a report was exported (portal.reports.selectors)
        return people.update(department=department, updated_at=timezone.now())
    if action in (BULK_DEACTIVATE, BULK_ACTIVATE):
        ids = list(people.values_list("pk", flat=True))
        changed = Person.objects.filter(pk__in=ids).update(active=action == BULK_ACTIVATE)
        GalleryVersion.bump(people=ids)  # who may be recognized changed
        return changed
    raise ValueError(_("Unknown action %(action)r.") % {"action": action})
