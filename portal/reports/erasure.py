"""Report files written before a person's erasure (a hook for portal.core.erasure)."""

from django.utils import timezone

from portal.reports.services import report_exports_expire


def report_names_forget(*, person):
    # an export already written may list them: it cannot be edited, so it goes (the row stays as a log)
    report_exports_expire(before=timezone.now())
