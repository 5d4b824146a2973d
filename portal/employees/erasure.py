"""An erased person's bells, sign-in and e-mails (a hook for portal.core.erasure)."""

from django.db import transaction
from django.urls import reverse

from portal.employees.mail import outbox_forget
from portal.employees.models import EmployeeAccount, Notification


def employee_names_forget(*, person):
    # the approvers' bells: "<name> asks for leave"
    links = [reverse("request", args=[pk]) for pk in person.requests.values_list("pk", flat=True)]
    Notification.objects.filter(link__in=links).delete()
    # their own sign-in (named by their employee ID) when it is nothing else: no role, not staff
    account = EmployeeAccount.objects.filter(person=person).select_related("user").first()
    words = [person.name, account.user.email if account else ""]
    if account and not (account.user.is_staff or account.user.is_superuser or account.user.groups.exists()):
        account.user.delete()
    # e-mails written to the portal's own outbox (no mail server): to them, or naming them
    transaction.on_commit(lambda: outbox_forget(*words))
