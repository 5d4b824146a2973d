"""Reading requests: whose, waiting for whom, balances."""

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet, Sum

from portal.accounts.roles import HR, has_role
from portal.employees.selectors import managed_departments, person_of
from portal.people.models import Person
from portal.requests.models import Approver, Kind, LeaveEntitlement, LeaveType, Request
from portal.requests.rules import Balance


def requests_visible(user: User | AnonymousUser) -> QuerySet[Request]:
    """Every request this user may read: HR all; a manager their departments' and their own; an employee their own."""
    rows = Request.objects.select_related("person", "person__department", "leave_type")
    if has_role(user, HR):
        return rows
    me = person_of(user)
    if me is None:
        return rows.none()
    return rows.filter(Q(person=me) | Q(person__department__in=managed_departments(me)))


def may_decide(user: User | AnonymousUser, request: Request) -> bool:
    """True if `user` may approve or reject the request's current step."""
    role = request.waiting_for
    if not role:
        return False
    me = person_of(user)
    if me is not None and me.pk == request.person_id:
        return False  # nobody approves their own request
    if has_role(user, HR):
        return True  # HR may act for a manager too (a department with none, a manager away)
    if role != Approver.MANAGER or me is None or request.person.department_id is None:
        return False
    return managed_departments(me).filter(pk=request.person.department_id).exists()


def requests_waiting_for(user: User | AnonymousUser) -> list[Request]:
    """Pending requests whose current step this user may decide."""
    pending = requests_visible(user).filter(status=Request.Status.PENDING)
    return [r for r in pending.order_by("created_at", "id") if may_decide(user, r)]


def entitlement(*, person: Person, leave_type: LeaveType, year: int) -> Decimal:
    """The person's own entitlement, else their department's, else nothing (0)."""
    rows = LeaveEntitlement.objects.filter(leave_type=leave_type, year=year)
    own = rows.filter(person=person).first()
    if own is None and person.department_id:
        own = rows.filter(department_id=person.department_id).first()
    return own.days if own else Decimal(0)


def _sum(rows: QuerySet[Request]) -> Decimal:
    return rows.aggregate(total=Sum("days"))["total"] or Decimal(0)


def leave_balance(*, person: Person, leave_type: LeaveType, year: int, exclude: Request | None = None) -> Balance:
    """Entitled, used (approved) and pending days of one type in one year."""
    taken = Request.objects.filter(kind=Kind.LEAVE, person=person, leave_type=leave_type, start_day__year=year)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    return Balance(
        entitled=entitlement(person=person, leave_type=leave_type, year=year),
        used=_sum(taken.filter(status=Request.Status.APPROVED)),
        pending=_sum(taken.filter(status=Request.Status.PENDING)),
    )


def leave_balances(*, person: Person, year: int) -> list[tuple[LeaveType, Balance]]:
    """(leave type, Balance) for every active type with a balance."""
    return [
        (t, leave_balance(person=person, leave_type=t, year=year))
        for t in LeaveType.objects.filter(active=True, has_balance=True)
    ]
