"""Writing requests: submit, approve or reject a step, withdraw; what an approved
request changes (an attendance event, leave and overtime on daily summaries)."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.accounts.roles import ADMIN, GROUPS, HR
from portal.attendance.models import AttendanceEvent
from portal.attendance.schedules import shift_for_person
from portal.attendance.services import (
    CorrectionRefused,
    attendance_approved_clear,
    attendance_approved_set,
    attendance_event_add,
    attendance_event_void,
)
from portal.employees.models import Notification
from portal.employees.selectors import manager_users
from portal.employees.services import notification_send
from portal.people.models import Person
from portal.requests import rules
from portal.requests.models import Action, ApprovalFlow, Approver, Flow, Kind, LeaveType, Request
from portal.requests.selectors import leave_balance, may_decide
from recognition import imaging
from recognition.services import upload_limits

# what a notification calls each kind (stored untranslated, shown in the reader's language)
KIND_WORDS: dict[str, str] = {
    Kind.MISSED_PUNCH: gettext_noop("a missed punch"),
    Kind.LEAVE: gettext_noop("leave"),
    Kind.OVERTIME: gettext_noop("overtime"),
}
DECISION_WORDS: dict[str, str] = {
    Request.Status.APPROVED: gettext_noop("approved"),
    Request.Status.REJECTED: gettext_noop("rejected"),
}


class RequestRefused(ValueError):
    """A request or decision that cannot be made; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def number(value: Decimal) -> str:
    """Days as people write them: 5, 0.5, 2.25."""
    return f"{Decimal(value).normalize():f}"


def flow_steps(kind: str) -> list[str]:
    flow = ApprovalFlow.objects.filter(kind=kind).values_list("flow", flat=True).first() or Flow.MANAGER_HR
    return flow.split(",")


def _username(user: User | None) -> str:
    return user.get_username() if user else "system"


def _log(request: Request, verb: str, user: User | None, *, as_role: str = "", comment: str = "") -> Action:
    return Action.objects.create(
        request=request, verb=verb, user=user, username=_username(user), as_role=as_role, comment=comment
    )


def _approvers(request: Request) -> list[User]:
    """The users who may decide the request's current step (to notify them)."""
    role = request.waiting_for
    users = get_user_model().objects.filter(is_active=True)
    if role == Approver.MANAGER and request.person.department_id:
        found = list(manager_users(request.person.department).exclude(employee__person=request.person))
        if found:
            return found
    # an HR step, or a department with no other manager: HR decides
    return list(users.filter(Q(groups__name__in=[GROUPS[HR], GROUPS[ADMIN]]) | Q(is_superuser=True)).distinct())


def _notify_approvers(request: Request) -> None:
    for user in _approvers(request):
        notification_send(
            user=user,
            kind=Notification.Kind.REQUEST_WAITING,
            params={"person": request.person.name, "request": KIND_WORDS[request.kind]},
            translated=["request"],
            link=reverse("request", args=[request.pk]),
        )


def _submit(request: Request, user: User) -> Request:
    request.steps = flow_steps(request.kind)
    request.created_by = user
    request.save()
    _log(request, Action.Verb.SUBMITTED, user)
    _notify_approvers(request)
    return request


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RequestRefused(_("Say why: a reason is required."))
    return reason


def request_missed_punch_submit(*, person: Person, at: datetime, direction: str, reason: str, user: User) -> Request:
    """补卡: the person was there at `at` but no event was recorded."""
    if at > timezone.now() + timedelta(minutes=1):
        raise RequestRefused(_("A missed punch cannot be in the future."))
    if direction not in AttendanceEvent.Direction.values:
        raise RequestRefused(_("Choose check-in or check-out."))
    with transaction.atomic():
        return _submit(
            Request(
                kind=Kind.MISSED_PUNCH, person=person, punch_at=at, punch_direction=direction, reason=_reason(reason)
            ),
            user,
        )


def request_overtime_submit(*, person: Person, day: date, hours: Decimal, reason: str, user: User) -> Request:
    """加班: hours worked beyond the shift on a day, to be agreed."""
    hours = Decimal(hours)
    if not Decimal("0.25") <= hours <= Decimal(24):
        raise RequestRefused(_("Overtime is between a quarter of an hour and 24 hours."))
    with transaction.atomic():
        return _submit(
            Request(kind=Kind.OVERTIME, person=person, start_day=day, hours=hours, reason=_reason(reason)), user
        )


def attachment_checked(upload: File) -> tuple[bytes, str]:
    """A doctor's note: a picture (checked like every uploaded picture) or a PDF.
    Returns (bytes, stored suffix); raises RequestRefused with the reason."""
    limits = upload_limits()
    try:
        imaging.check_size(upload.size, limits)
    except imaging.ImageRejected as exc:
        raise RequestRefused(exc.message) from None
    upload.seek(0)
    data = upload.read()
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise RequestRefused(_("The PDF is damaged or incomplete."))
        return data, ".pdf"
    try:
        imaging.decode(data, limits)
    except imaging.ImageRejected as exc:
        raise RequestRefused(_("Attach a PDF or a picture: %(reason)s") % {"reason": exc.message}) from None
    return data, "." + imaging.stored_name(data, "a").rsplit(".", 1)[-1]


def request_leave_submit(
    *,
    person: Person,
    leave_type: LeaveType,
    unit: str,
    start_day: date,
    end_day: date | None = None,
    half: str = "",
    start_time: time | None = None,
    hours: Decimal | None = None,
    reason: str,
    user: User,
    attachment: File | None = None,
) -> Request:
    """请假: the working days it takes are counted now; beyond the balance it is refused with the numbers."""
    end_day = end_day or start_day
    if end_day < start_day:
        raise RequestRefused(_("The leave ends before it starts."))
    if unit == Request.Unit.HALF and not half:
        raise RequestRefused(_("Say which half of the day: morning or afternoon."))
    if unit == Request.Unit.HOURS and (hours is None or Decimal(hours) <= 0):
        raise RequestRefused(_("Say how many hours."))
    shift = shift_for_person(person)
    taken = rules.leave_days(shift=shift, unit=unit, start_day=start_day, end_day=end_day, hours=hours)
    if not taken:
        raise RequestRefused(_("These dates have no working day: no leave is needed."))
    days = rules.days_taken(taken, shift=shift)
    if leave_type.has_balance:
        balance = leave_balance(person=person, leave_type=leave_type, year=start_day.year)
        if not balance.allows(days):
            raise RequestRefused(
                _(
                    "Not enough %(type)s left: this request takes %(days)s days; %(remaining)s remain "
                    "(%(entitled)s entitled in %(year)s, %(used)s used, %(pending)s waiting for approval)."
                )
                % {
                    "type": leave_type.display_name,
                    "days": number(days),
                    "remaining": number(balance.remaining),
                    "entitled": number(balance.entitled),
                    "used": number(balance.used),
                    "pending": number(balance.pending),
                    "year": start_day.year,
                }
            )
    with transaction.atomic():
        request = Request(
            kind=Kind.LEAVE,
            person=person,
            leave_type=leave_type,
            unit=unit,
            start_day=start_day,
            end_day=end_day if unit == Request.Unit.DAYS else start_day,
            half=half if unit == Request.Unit.HALF else "",
            start_time=start_time if unit == Request.Unit.HOURS else None,
            hours=hours if unit == Request.Unit.HOURS else None,
            days=days,
            reason=_reason(reason),
        )
        if attachment is not None:
            data, suffix = attachment_checked(attachment)
            request.attachment.save(suffix, ContentFile(data), save=False)
            request.attachment_name = (getattr(attachment, "name", "") or f"attachment{suffix}")[:200]
        return _submit(request, user)


# --- deciding ----------------------------------------------------------------------------


def _locked(request: Request) -> Request:
    return (
        Request.objects.select_for_update()
        .select_related("person", "person__department", "leave_type")
        .get(pk=request.pk)
    )


def request_approve(*, request: Request, user: User, comment: str = "") -> Request:
    """Approve the current step; after the last one the request takes effect."""
    with transaction.atomic():
        request = _locked(request)
        if not may_decide(user, request):
            raise RequestRefused(_("This request is not waiting for your decision."))
        _log(request, Action.Verb.APPROVED, user, as_role=request.waiting_for, comment=(comment or "").strip())
        request.step += 1
        if request.step < len(request.steps):
            request.save(update_fields=["step"])
            _notify_approvers(request)
            return request
        request.status = Request.Status.APPROVED
        request.save(update_fields=["step", "status"])
        _take_effect(request, user)
        _notify_requester(request, user)
    return request


def request_reject(*, request: Request, user: User, comment: str) -> Request:
    comment = (comment or "").strip()
    if not comment:
        raise RequestRefused(_("Say why it is rejected: a comment is required."))
    with transaction.atomic():
        request = _locked(request)
        if not may_decide(user, request):
            raise RequestRefused(_("This request is not waiting for your decision."))
        _log(request, Action.Verb.REJECTED, user, as_role=request.waiting_for, comment=comment)
        request.status = Request.Status.REJECTED
        request.save(update_fields=["status"])
        _notify_requester(request, user)
    return request


def requests_approve(*, requests: Iterable[Request], user: User, comment: str = "") -> tuple[list[Request], list[str]]:
    """Bulk approval: (approved, refused messages); one refused request stops no other."""
    done, refused = [], []
    for request in requests:
        try:
            done.append(request_approve(request=request, user=user, comment=comment))
        except (RequestRefused, CorrectionRefused) as exc:
            refused.append(f"#{request.pk}: {exc.message}")
    return done, refused


def request_withdraw(*, request: Request, user: User, comment: str = "") -> Request:
    """The requester takes back a pending or approved request; an approved one's
    effect is undone (the leave days are recomputed, the added event voided)."""
    with transaction.atomic():
        request = _locked(request)
        if request.status not in (Request.Status.PENDING, Request.Status.APPROVED):
            raise RequestRefused(_("Only a pending or approved request can be withdrawn."))
        was_approved = request.status == Request.Status.APPROVED
        request.status = Request.Status.WITHDRAWN
        request.save(update_fields=["status"])
        _log(request, Action.Verb.WITHDRAWN, user, comment=(comment or "").strip())
        if was_approved:
            _undo_effect(request, user)
    return request


def _notify_requester(request: Request, by: User) -> None:
    account = getattr(request.person, "account", None)
    if account is None:
        return
    notification_send(
        user=account.user,
        kind=Notification.Kind.REQUEST_DECIDED,
        params={"request": KIND_WORDS[request.kind], "decision": DECISION_WORDS[request.status], "by": _username(by)},
        translated=["request", "decision"],
        link=reverse("request", args=[request.pk]),
    )


def _audit_reason(request: Request, approver: User) -> str:
    # the correction's trail names the request and who approved it (every step's approver is on the request)
    return _("Missed punch request #%(number)d approved by %(user)s: %(reason)s") % {
        "number": request.pk,
        "user": _username(approver),
        "reason": request.reason,
    }


def _take_effect(request: Request, approver: User) -> None:
    # each kind's own fields are set by its submit function (nullable only for the other kinds)
    if request.kind == Kind.MISSED_PUNCH:
        assert request.punch_at is not None
        correction = attendance_event_add(
            person=request.person,
            at=request.punch_at,
            direction=request.punch_direction,
            reason=_audit_reason(request, approver),
            user=approver,
        )
        request.event = correction.event
        request.save(update_fields=["event"])
    elif request.kind == Kind.LEAVE:
        shift = shift_for_person(request.person)
        taken = rules.leave_days(
            shift=shift, unit=request.unit, start_day=request.start_day, end_day=request.end_day, hours=request.hours
        )
        assert request.leave_type is not None
        name = request.leave_type.name
        attendance_approved_set(
            person=request.person, request_id=request.pk, days=[(d.day, name, d.seconds, 0) for d in taken]
        )
    elif request.kind == Kind.OVERTIME:
        assert request.hours is not None and request.start_day is not None
        seconds = int(request.hours * 3600)
        attendance_approved_set(
            person=request.person, request_id=request.pk, days=[(request.start_day, "", 0, seconds)]
        )


def _undo_effect(request: Request, user: User) -> None:
    if request.kind == Kind.MISSED_PUNCH and request.event_id:
        event = AttendanceEvent.objects.get(pk=request.event_id)
        if not event.voided:
            attendance_event_void(
                event=event, reason=_("Missed punch request #%(number)d withdrawn") % {"number": request.pk}, user=user
            )
    else:
        attendance_approved_clear(person=request.person, request_id=request.pk)


def approval_flow_set(*, kind: str, flow: str) -> ApprovalFlow:
    return ApprovalFlow.objects.update_or_create(kind=kind, defaults={"flow": flow})[0]
