"""Writing people, their photos and imports. Views and the command call these."""

import logging

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from portal.people import imports
from portal.people.models import ImportJob, Person
from recognition import imaging
from recognition.models import FacePhoto, GalleryVersion
from recognition.services import person_photo_add, upload_read

log = logging.getLogger(__name__)


def person_create(*, name, employee_id, department=None, active=True):
    return Person.objects.create(name=name, employee_id=employee_id, department=department, active=active)


def person_update(*, person, **fields):
    for key, value in fields.items():
        setattr(person, key, value)
    person.save()
    return person


def person_set_active(*, person, active):
    person.active = active
    person.save(update_fields=["active", "updated_at"])
    return person


def person_delete(*, person):
    """Delete a person with their photos (and, by cascade, their attendance)."""
    try:
        person.delete()
    except ProtectedError as exc:
        raise ValueError(f"{person.name} is still referenced ({exc.protected_objects}); deactivate instead.") from None


def person_photos_upload(*, person, files):
    """Check and store several uploaded photos; each is encoded by a worker.

    Returns (added, already, errors) where errors is a list of
    (filename, message, code) for the files that were refused.
    """
    added, already, errors = [], [], []
    for file in files:
        try:
            data = upload_read(file)
        except imaging.ImageRejected as exc:
            errors.append((file.name, exc.message, exc.code))
            continue
        photo, created = person_photo_add(person=person, data=data, filename=file.name)
        (added if created else already).append(photo)
    return added, already, errors


def face_photo_delete(*, photo):
    photo.delete()  # the signal bumps the gallery and removes the file after commit


KEEP = "keep"
MERGE = "merge"
DISCARD = "discard"


@transaction.atomic
def face_photo_decide(*, photo, decision, user=None):
    """An admin's decision on a photo flagged as looking like someone else.

    keep: a different person; the photo is enrolled as it is.
    merge: the same person entered twice; everything of this record (photos,
      attendance, ...) moves to the look-alike, and this record is deleted.
    discard: the photo is deleted.
    Returns the person who now has the photo (None when discarded).
    """
    photo = FacePhoto.objects.select_for_update().select_related("person", "lookalike").get(pk=photo.pk)
    if photo.status != FacePhoto.Status.REVIEW:
        raise ValueError("This photo is not waiting for a decision any more.")
    if decision == DISCARD:
        photo.delete()
        return None
    if decision == KEEP:
        _accept(photo, FacePhoto.Decision.KEPT, user)
        GalleryVersion.bump()
        return photo.person
    if decision == MERGE:
        if photo.lookalike is None:
            raise ValueError("The look-alike person no longer exists; keep or discard the photo.")
        target = photo.lookalike
        person_merge(source=photo.person, target=target)
        FacePhoto.objects.filter(pk=photo.pk).update(
            decided_by=user if user and user.is_authenticated else None, decided_at=timezone.now()
        )
        return target
    raise ValueError(f"Unknown decision {decision!r}.")


def _accept(photo, decision, user):
    photo.status = FacePhoto.Status.ACCEPTED
    photo.decision = decision
    photo.decided_by = user if user and user.is_authenticated else None
    photo.decided_at = timezone.now()
    photo.reason = photo.reason_code = ""
    photo.save(update_fields=["status", "decision", "decided_by", "decided_at", "reason", "reason_code"])


def person_merge(*, source, target):
    """Move everything that points at `source` to `target`, then delete
    `source`. Photos `target` already has (same checksum) are dropped; a row
    another app keeps once per person that `target` already has stays with
    `source` and goes with it."""
    with transaction.atomic():
        target_hashes = set(target.photos.values_list("sha256", flat=True))
        for photo in source.photos.filter(sha256__in=target_hashes):
            photo.delete()
        # faces flagged as looking like `target` are now simply `target`'s
        source.photos.filter(status=FacePhoto.Status.REVIEW, lookalike=target).update(
            status=FacePhoto.Status.ACCEPTED, decision=FacePhoto.Decision.MERGED, reason="", reason_code=""
        )
        for relation in Person._meta.related_objects:
            if not (relation.one_to_many or relation.one_to_one):
                continue
            manager = relation.related_model._base_manager
            column = relation.field.name
            try:
                with transaction.atomic():
                    manager.filter(**{column: source}).update(**{column: target})
            except IntegrityError:
                log.info("merge %s -> %s: %s rows stay with the deleted record", source.pk, target.pk, relation)
        source.delete()
        GalleryVersion.bump()
    return target


def import_job_submit(*, file, filename, user=None):
    """Check a ZIP's directory, store it and queue the import.

    Raises imports.ArchiveRefused with a message when the archive is refused.
    """
    file.seek(0)
    with imports.zip_open(file) as archive:
        plan = imports.zip_plan(archive)
    if not plan.entries and not plan.rows:
        raise imports.ArchiveRefused(
            "The archive holds no photos in person folders (one folder per person, named by name or employee ID)."
        )
    file.seek(0)
    with transaction.atomic():
        job = ImportJob(filename=filename[:255], created_by=user, total=len(plan.entries))
        job.archive.save("import.zip", File(file), save=False)
        job.save()
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue_import(job_id))
    return job


def _enqueue_import(job_id):
    from portal.people.tasks import IMPORT
    from portal.recovery.jobs import send

    send(IMPORT, job_id)  # a broker that is down leaves it queued for the reconciler


def import_job_run(*, job):
    """Run a claimed import job to the end and write its report."""
    try:
        with job.archive.open("rb") as handle, imports.zip_open(handle) as archive:
            plan = imports.zip_plan(archive)
            ImportJob.objects.filter(pk=job.pk).update(total=len(plan.entries), done=0)

            def progress(done):
                ImportJob.objects.filter(pk=job.pk).update(done=done)

            report = imports.people_import(plan=plan, on_progress=progress)
    except imports.ArchiveRefused as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=exc.message[:500], finished_at=timezone.now()
        )
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, report=report.as_dict(), finished_at=timezone.now()
    )
