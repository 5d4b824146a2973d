"""Employees' own side in the API: my days, my requests (missed punch, leave,
overtime), the requests I may read and decide, my notifications.

These routes are for people signed in (a browser or phone session): a request
is made and decided by a person, so an integration token gets 403 here. Anyone
else's data answers 403, like the pages (portal.employees.access).
"""

from datetime import date, timedelta
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts.roles import EMPLOYEE, has_role
from portal.api.errors import ApiError
from portal.attendance.models import AttendanceEvent, DailySummary
from portal.employees.models import Notification
from portal.employees.selectors import person_of
from portal.requests import services
from portal.requests.models import Kind, LeaveType, Request
from portal.requests.selectors import may_decide, requests_visible


def _person_user(request):
    user = request.user
    return user if getattr(user, "_meta", None) is not None and user.is_authenticated else None


class IsPersonSignedIn(BasePermission):
    message = gettext_lazy("Sign in as a person: requests are not made with integration tokens.")

    def has_permission(self, request, view):
        user = _person_user(request)
        return user is not None and has_role(user, EMPLOYEE)


def _me(request):
    person = person_of(request.user)
    if person is None:
        raise ApiError(403, "not_an_employee", _("Your account is not linked to a person of the staff directory."))
    return person


class ActionSerializer(serializers.Serializer):
    verb = serializers.CharField()
    as_role = serializers.CharField(help_text="manager or hr for a decision; empty for the requester's own actions")
    username = serializers.CharField()
    at = serializers.DateTimeField()
    comment = serializers.CharField()


class RequestSerializer(serializers.ModelSerializer):
    person = serializers.CharField(source="person.name")
    leave_type = serializers.CharField(source="leave_type.code", allow_null=True, default=None)
    waiting_for = serializers.CharField(help_text="manager or hr while pending; empty otherwise")
    actions = ActionSerializer(many=True, read_only=True)
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = [
            "id", "kind", "person", "person_id", "status", "reason", "created_at", "waiting_for", "steps",
            "punch_at", "punch_direction", "event_id", "leave_type", "unit", "start_day", "end_day", "half",
            "start_time", "hours", "days", "has_attachment", "actions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_attachment(self, item) -> bool:
        return bool(item.attachment)


class MissedPunchInSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    direction = serializers.ChoiceField(choices=AttendanceEvent.Direction.choices)
    reason = serializers.CharField(max_length=2000)


class LeaveInSerializer(serializers.Serializer):
    leave_type = serializers.SlugRelatedField(slug_field="code", queryset=LeaveType.objects.filter(active=True))
    unit = serializers.ChoiceField(choices=Request.Unit.choices)
    start_day = serializers.DateField()
    end_day = serializers.DateField(required=False, allow_null=True)
    half = serializers.ChoiceField(choices=Request.Half.choices, required=False, allow_blank=True, default="")
    start_time = serializers.TimeField(required=False, allow_null=True)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.25"), max_value=Decimal(24), required=False
    )
    reason = serializers.CharField(max_length=2000)


class OvertimeInSerializer(serializers.Serializer):
    day = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.25"), max_value=Decimal(24))
    reason = serializers.CharField(max_length=2000)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _refused(exc):
    return ApiError(409, "refused", exc.message)


class MyRequests(generics.ListAPIView):
    """My own requests, newest first."""

    permission_classes = [IsPersonSignedIn]
    serializer_class = RequestSerializer

    def get_queryset(self):
        person = None if getattr(self, "swagger_fake_view", False) else person_of(self.request.user)
        if person is None:
            return Request.objects.none()  # linked to nobody: nothing of theirs, as on the pages
        return Request.objects.filter(person=person).select_related("person", "leave_type")


def _submit_view(kind, in_serializer, summary):
    class Submit(APIView):
        permission_classes = [IsPersonSignedIn]
        error_statuses = (409,)

        @extend_schema(summary=summary, request=in_serializer, responses={201: RequestSerializer})
        def post(self, request):
            person = _me(request)
            form = in_serializer(data=request.data)
            form.is_valid(raise_exception=True)
            data = dict(form.validated_data)
            try:
                if kind == Kind.MISSED_PUNCH:
                    item = services.request_missed_punch_submit(person=person, user=request.user, **data)
                elif kind == Kind.OVERTIME:
                    item = services.request_overtime_submit(person=person, user=request.user, **data)
                else:
                    item = services.request_leave_submit(person=person, user=request.user, **data)
            except services.RequestRefused as exc:
                raise _refused(exc) from None
            return Response(RequestSerializer(item).data, status=201)

    Submit.__name__ = f"Submit{kind.title().replace('_', '')}"
    return Submit


MissedPunchSubmit = _submit_view(Kind.MISSED_PUNCH, MissedPunchInSerializer, "Ask for a missed punch (补卡)")
LeaveSubmit = _submit_view(Kind.LEAVE, LeaveInSerializer, "Ask for leave (请假)")
OvertimeSubmit = _submit_view(Kind.OVERTIME, OvertimeInSerializer, "Ask for overtime (加班)")


@extend_schema(
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=Request.Status.values, required=False),
        OpenApiParameter("waiting_for_me", OpenApiTypes.BOOL, required=False),
    ]
)
class RequestList(generics.ListAPIView):
    """The requests I may read: mine; a manager's department's; HR everyone's."""

    permission_classes = [IsPersonSignedIn]
    serializer_class = RequestSerializer

    def get_queryset(self):
        rows = requests_visible(self.request.user).prefetch_related("actions")
        status = self.request.query_params.get("status")
        if status:
            if status not in Request.Status.values:
                raise ApiError(400, "invalid", _("Unknown status %(status)r.") % {"status": status})
            rows = rows.filter(status=status)
        if self.request.query_params.get("waiting_for_me") in ("true", "1"):
            rows = [r for r in rows.filter(status=Request.Status.PENDING) if may_decide(self.request.user, r)]
        return rows


def _visible(request, pk):
    item = get_object_or_404(Request.objects.select_related("person", "leave_type"), pk=pk)
    if not requests_visible(request.user).filter(pk=pk).exists():
        raise ApiError(403, "permission_denied", _("This is another person's data."))
    return item


class RequestDetail(APIView):
    permission_classes = [IsPersonSignedIn]

    @extend_schema(summary="One request with every step", responses={200: RequestSerializer})
    def get(self, request, pk):
        return Response(RequestSerializer(_visible(request, pk)).data)


def _decision_view(verb, summary):
    class Decide(APIView):
        permission_classes = [IsPersonSignedIn]
        error_statuses = (409,)

        @extend_schema(summary=summary, request=CommentSerializer, responses={200: RequestSerializer})
        def post(self, request, pk):
            item = _visible(request, pk)
            form = CommentSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            comment = form.validated_data["comment"]
            try:
                if verb == "approve":
                    item = services.request_approve(request=item, user=request.user, comment=comment)
                elif verb == "reject":
                    item = services.request_reject(request=item, user=request.user, comment=comment)
                else:
                    if item.created_by_id != request.user.pk:
                        raise ApiError(403, "permission_denied", _("Only the person who asked may withdraw a request."))
                    item = services.request_withdraw(request=item, user=request.user, comment=comment)
            except services.RequestRefused as exc:
                raise _refused(exc) from None
            return Response(RequestSerializer(Request.objects.get(pk=item.pk)).data)

    Decide.__name__ = f"Request{verb.title()}"
    return Decide


RequestApprove = _decision_view("approve", "Approve the step waiting for me")
RequestReject = _decision_view("reject", "Reject (a comment is required)")
RequestWithdraw = _decision_view("withdraw", "Withdraw my pending or approved request")


class DaySerializer(serializers.ModelSerializer):
    status = serializers.CharField()

    class Meta:
        model = DailySummary
        fields = [
            "day", "status", "scheduled", "holiday", "first_in", "last_out", "worked_seconds", "late_minutes",
            "early_minutes", "missing_checkout", "absent", "overtime_seconds", "leave_type", "leave_seconds",
            "approved_overtime_seconds",
        ]  # fmt: skip
        read_only_fields = fields


class MyDays(generics.ListAPIView):
    """My days of one month (?month=YYYY-MM, this month by default)."""

    permission_classes = [IsPersonSignedIn]
    serializer_class = DaySerializer
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("month", OpenApiTypes.STR, required=False, description="YYYY-MM")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DailySummary.objects.none()
        value = self.request.query_params.get("month")
        try:
            first = date.fromisoformat(f"{value}-01") if value else timezone.localdate().replace(day=1)
        except ValueError:
            raise ApiError(400, "invalid", _("Give the month as YYYY-MM.")) from None
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        person = person_of(self.request.user)
        if person is None:
            return DailySummary.objects.none()  # linked to nobody: nothing of theirs, as on the pages
        return DailySummary.objects.filter(person=person, day__gte=first, day__lt=last).order_by("day")


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(help_text="In the reader's language")

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "link", "created_at", "read_at"]
        read_only_fields = fields


class MyNotifications(generics.ListAPIView):
    permission_classes = [IsPersonSignedIn]
    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user)
