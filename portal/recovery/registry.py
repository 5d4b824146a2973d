"""Every kind of queued work the reconciler looks after.

A new kind (door commands, video jobs) is one more dotted path here, naming
the `Job` its tasks module declares.
"""

from django.utils.module_loading import import_string

JOBS = [
    "recognition.tasks.CAPTURE",
    "recognition.tasks.PHOTO",
    "portal.people.tasks.IMPORT",
    "portal.reports.tasks.EXPORT",
    "recognition.tasks.REENCODE",
    "recognition.tasks.VIDEO",
]


def jobs():
    return [import_string(path) for path in JOBS]
