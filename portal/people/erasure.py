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
  Django admin's history, e-mails in the portal's own outbox, report exports
  that may show them (a finished file goes, one being written is written again
  without them), and their employee sign-in when it has no role of its own.

The records merged into the person and hidden while the merge can be undone are
erased with them, each the same way (portal.people.services.person_delete).

A visitor whose pass has ended loses the pictures only (person_pictures_erase):
the Visitor row and its audit lines stay as the record of the visit.

The apps above people that keep a picture or a name (doors, cameras, employees,
reports, the review list) register hooks in portal.core.erasure from their
AppConfig.ready(): people calls them without importing those apps.
"""

from django.contrib.admin.models import LogEntry
from django.db import transaction

from portal.core import erasure
from portal.people.models import ImportJob
from recognition import texts
from recognition.models import Capture, FacePhoto
from recognition.services import capture_pictures_delete, captures_forget_person, videos_forget_person

ERASED = "(erased)"


def person_pictures_erase(*, person):
    """Every picture of the person's face outside their own photos, and their name in capture results.

    Returns the number of captures whose pictures went."""
    with transaction.atomic():
        naming = captures_forget_person(person=person)
        showing = erasure.captures_showing(person)
        for capture in Capture.objects.filter(pk__in=showing).only("id", "image", "annotated"):
            capture_pictures_delete(capture=capture)
        seen = showing | set(naming)
        erasure.pictures_gone(person, seen)
        videos_forget_person(person=person)
    return len(seen)


def person_names_erase(*, person):
    """The person's name in rows that stay after them: here, then in every app that registered a hook."""
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
    # a doctor's note goes with its request (the row goes by cascade, the file would stay)
    storage = person.requests.model._meta.get_field("attachment").storage
    names = [name for name in person.requests.values_list("attachment", flat=True) if name]
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    # the Django admin's history: "Barack Obama" deleted, "photo 3 of Barack Obama" changed
    LogEntry.objects.filter(object_repr__contains=person.name).update(object_repr=ERASED)
    erasure.names_forget(person)
