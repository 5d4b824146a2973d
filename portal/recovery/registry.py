"""Every kind of queued work the reconciler looks after.

A new kind (door commands, video jobs) is one more dotted path here, naming
the `Job` its tasks module declares.
"""

from django.utils.module_loading import import_string

JOBS = [
    "recognition.jobs.CAPTURE",
    "recognition.jobs.PHOTO",
    "portal.people.jobs.IMPORT",
    "portal.reports.jobs.EXPORT",
    "recognition.jobs.REENCODE",
    "recognition.jobs.VIDEO",
    "portal.attendance.jobs.RECOMPUTE",
]


def jobs():
    return [import_string(path) for path in JOBS]
