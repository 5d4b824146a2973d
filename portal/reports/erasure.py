"""Report files that may show a person being erased (a hook for portal.core.erasure)."""

from portal.reports.services import report_exports_forget


def report_names_forget(*, person):
    # a names hook runs before the person's own rows go: their attendance still tells which exports show them
    report_exports_forget(person=person)
