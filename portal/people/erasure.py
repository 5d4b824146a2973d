"""Erasure: every picture that shows a person and every line that names them, wherever it was kept.

Where a person lives besides their own rows (which go with the Person row by
cascade: photos, attendance, requests, accounts, review entries assigned to
them, their faces in videos):
- captures whose result names them (kiosk attempts, uploads, camera tracks):
  the name leaves the result and the pictures go;
- captures that show them without naming them: a kiosk attempt or a camera
  track seen as a stranger whose review entry was later assigned to them (or
  made their visitor pass), and the attempts of their access events;
- a refused stranger's encoding kept on those access events, a camera's latest
  frame when that camera saw them, kept videos they were found in;
- their name in other rows that stay: import reports, look-alike notes, the
  approvers' notifications of their requests, the door audit trail, a visitor
  pass and its host's notifications, PIN-guessing alerts on their badge, the
  Django admin's history, e-mails in the portal's own outbox, finished report
  exports (files written before the erasure), and their employee sign-in when
  it has no role of its own.

A visitor whose pass has ended loses the pictures only (person_pictures_erase):
the Visitor row and its audit lines stay as the record of the visit.
"""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from recognition.models import Capture
from recognition.services import capture_pictures_delete, captures_forget_person, videos_forget_person

ERASED = "(erased)"


def person_pictures_erase(*, person):
    """Every picture of the person's face outside their own photos, and their name in capture results.

    Returns the number of captures whose pictures went."""
    from portal.access.models import AccessEvent
    from portal.cameras.models import Camera
    from portal.cameras.pictures import camera_picture_delete
    from portal.review.models import UnknownSighting

    with transaction.atomic():
        naming = captures_forget_person(person=person)
        showing = set(
            UnknownSighting.objects.filter(face__person=person, capture__isnull=False).values_list(
                "capture_id", flat=True
            )
        )
        showing |= set(
            AccessEvent.objects.filter(Q(person=person) | Q(visitor__person=person), capture__isnull=False)
            .values_list("capture_id", flat=True)
            .distinct()
        )
        for capture in Capture.objects.filter(pk__in=showing).only("id", "image", "annotated"):
            capture_pictures_delete(capture=capture)
        AccessEvent.objects.filter(capture_id__in=showing).exclude(unknown_face=None).update(unknown_face=None)
        # a camera's latest frame may still show them (it is replaced within seconds while the camera reads)
        seen = showing | set(naming)
        cameras = set(Capture.objects.filter(pk__in=seen, camera__isnull=False).values_list("camera_id", flat=True))
        Camera.objects.filter(pk__in=cameras).update(last_picture_at=None)
        transaction.on_commit(lambda: [camera_picture_delete(camera_id) for camera_id in cameras])
        videos_forget_person(person=person)
    return len(seen)


def person_names_erase(*, person):
    """The person's name in rows that stay after them."""
    from django.contrib.admin.models import LogEntry

    from portal.access.models import Alert, OperatorAction, Visitor
    from portal.employees.mail import outbox_forget
    from portal.employees.models import EmployeeAccount, Notification
    from portal.people.models import ImportJob
    from portal.reports.services import report_exports_expire
    from recognition import texts
    from recognition.models import FacePhoto

    FacePhoto.objects.filter(lookalike=person).update(reason=texts.LOOKALIKE_ERASED, lookalike=None)
    label = str(person)
    for job in ImportJob.objects.exclude(report=None).only("id", "report").iterator(chunk_size=200):
        report = job.report
        before = repr(report)
        for key in ("people_created", "people_updated"):
            report[key] = [ERASED if line == label else line for line in report.get(key, [])]
        report["duplicates"] = [
            line
            for line in report.get("duplicates", [])
            if person.employee_id not in (line.get("employee_id"), line.get("lookalike_employee_id"))
        ]
        if repr(report) != before:
            ImportJob.objects.filter(pk=job.pk).update(report=report)
    requests = list(person.requests.values_list("pk", "attachment"))
    # the approvers' bells: "<name> asks for leave"
    Notification.objects.filter(link__in=[reverse("request", args=[pk]) for pk, _ in requests]).delete()
    # a doctor's note goes with its request (the row goes by cascade, the file would stay)
    storage = person.requests.model._meta.get_field("attachment").storage
    names = [name for _, name in requests if name]
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    for action in OperatorAction.objects.filter(detail__contains=person.name).only("id", "detail"):
        OperatorAction.objects.filter(pk=action.pk).update(detail=action.detail.replace(person.name, ERASED))
    # "wrong PINs in a row for badge <their employee ID>" (stored in English, portal.access.texts)
    badge = f"for badge {person.employee_id}."
    for alert in Alert.objects.filter(message__contains=badge).only("id", "message"):
        Alert.objects.filter(pk=alert.pk).update(message=alert.message.replace(badge, f"for badge {ERASED}."))
    # the Django admin's history: "Barack Obama" deleted, "photo 3 of Barack Obama" changed
    LogEntry.objects.filter(object_repr__contains=person.name).update(object_repr=ERASED)
    for visitor in Visitor.objects.filter(person=person):
        # the host's bell: "<visitor> (<company>) arrived"
        said = visitor.name + (f" ({visitor.company})" if visitor.company else "")
        Notification.objects.filter(params__visitor=said).delete()
    Visitor.objects.filter(person=person).update(name=ERASED, company="")
    # their own sign-in (named by their employee ID) when it is nothing else: no role, not staff
    account = EmployeeAccount.objects.filter(person=person).select_related("user").first()
    if account and not (account.user.is_staff or account.user.is_superuser or account.user.groups.exists()):
        account.user.delete()
    # e-mails written to the portal's own outbox (no mail server): to them, or naming them
    words = [person.name, account.user.email if account else ""]
    transaction.on_commit(lambda: outbox_forget(*words))
    # an export already written may list them: it cannot be edited, so it goes (the row stays as a log)
    report_exports_expire(before=timezone.now())
