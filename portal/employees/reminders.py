"""Reminders sent without anyone asking: a missing check-out the day after.

Runs from Celery beat after the days are closed (portal.attendance closes them at
:05 every hour); a day is told once, however often this runs, so the schedule
can be hourly and a missed run is made up by the next one.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from portal.attendance.models import DailySummary
from portal.employees.models import EmployeeAccount, Notification
from portal.employees.services import notification_send

# a closed day is told for this many days after it (a portal that was down over a
# weekend still tells Friday's), never older ones: a reminder a week late helps nobody
LOOKBACK_DAYS = 2


def missing_checkouts_remind(*, now=None) -> int:
    """Tell every employee with an account about each recent closed day that ended
    with a check-in and no check-out (the bell, and an e-mail when they have an
    address). Returns how many were told."""
    today = timezone.localdate(now or timezone.now())
    days = [today - timedelta(days=n) for n in range(LOOKBACK_DAYS, 0, -1)]
    rows = (
        DailySummary.objects.filter(day__in=days, closed=True, missing_checkout=True)
        .order_by("day", "person_id")
        .values_list("person_id", "day")
    )
    found = list(rows)
    if not found:
        return 0
    accounts = {
        a.person_id: a.user
        for a in EmployeeAccount.objects.filter(
            person_id__in={p for p, _ in found}, user__is_active=True, person__active=True
        ).select_related("user")
    }
    told = set(
        Notification.objects.filter(
            kind=Notification.Kind.MISSING_CHECKOUT, user__in=accounts.values(), created_at__date__gte=days[0]
        ).values_list("user_id", "params__day")
    )
    link = reverse("request-new", args=["missed_punch"])
    sent = 0
    for person_id, day in found:
        user = accounts.get(person_id)
        key = (user.pk, day.isoformat()) if user else None
        if key is None or key in told:
            continue
        notification_send(user=user, kind=Notification.Kind.MISSING_CHECKOUT, params={"day": key[1]}, link=link)
        told.add(key)
        sent += 1
    return sent
