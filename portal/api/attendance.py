"""Attendance: events (list, read, add by hand, correct, void: each change with a
reason, through portal.attendance.services) and daily summaries."""

from datetime import datetime, time, timedelta

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from portal.api.captures import PersonRefSerializer
from portal.api.errors import ApiError
from portal.api.filters import MAX_ID, IdFilter
from portal.api.permissions import IsHR
from portal.attendance.models import AttendanceEvent, EventCorrection
from portal.attendance.services import (
    CorrectionRefused,
    attendance_event_add,
    attendance_event_change,
    attendance_event_void,
)
from portal.people.models import Person


class CorrectionSerializer(serializers.ModelSerializer):
    username = serializers.CharField(read_only=True, help_text="Who made it (a user, or token:NAME).")
    before = serializers.JSONField(allow_null=True, help_text="{at, direction, voided} before; null when added.")
    after = serializers.JSONField(help_text="{at, direction, voided} after.")

    class Meta:
        model = EventCorrection
        fields = ["id", "action", "reason", "username", "at", "before", "after"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer()
    distance = serializers.FloatField(allow_null=True, help_text="Face distance of the recognition; null if manual.")
    voided = serializers.BooleanField(help_text="A voided event is kept for the record but counts for nothing.")
    corrections = CorrectionSerializer(many=True, help_text="Every change made by hand, oldest first.")

    class Meta:
        model = AttendanceEvent
        fields = [
            "id",
            "person",
            "at",
            "direction",
            "source",
            "distance",
            "capture",
            "voided",
            "corrections",
            "created_at",
        ]
        read_only_fields = fields


def events():
    return AttendanceEvent.objects.select_related("person").prefetch_related("corrections")


def local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


class EventFilter(django_filters.FilterSet):
    """The attendance page's filters (local calendar dates, both included), and a few more."""

    date_from = django_filters.DateFilter(method="filter_from", label="From this local date")
    date_to = django_filters.DateFilter(method="filter_to", label="Up to this local date, included")
    person = IdFilter(field_name="person_id", label="Person id")
    capture = IdFilter(field_name="capture_id", label="Capture id")
    employee_id = django_filters.CharFilter(field_name="person__employee_id")
    department = django_filters.CharFilter(field_name="person__department__name", lookup_expr="iexact")

    class Meta:
        model = AttendanceEvent
        fields = ["person", "employee_id", "department", "direction", "source", "capture", "voided"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=local_midnight(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=local_midnight(value + timedelta(days=1)))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why; kept in the audit trail.")


class EventChangeSerializer(ReasonSerializer):
    at = serializers.DateTimeField(help_text="When it happened (ISO 8601; without an offset: the portal's time zone).")
    direction = serializers.ChoiceField(AttendanceEvent.Direction.choices)


class EventAddSerializer(EventChangeSerializer):
    person = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The person's id.")

    def validate_person(self, value):
        person = Person.objects.filter(pk=value).first()
        if person is None:
            raise serializers.ValidationError(_("There is no person with this id."))
        return person


def correct(request, change, **fields):
    """Run a correction service; its refusal is a 400 and the trail names a token's user."""
    user = request.user if getattr(request.user, "_meta", None) else None
    token = getattr(request.user, "token", None)
    # an integration has no user account: the trail says which token it was
    by = f"token:{token.name}" if user is None and token is not None else ""
    try:
        correction = change(user=user, by=by, **fields)
    except CorrectionRefused as exc:
        raise ApiError(400, "correction_refused", exc.message) from None
    event = events().get(pk=correction.event_id)
    return EventSerializer(event).data


EXAMPLE_ADD = OpenApiExample(
    "Forgot to check in",
    value={"person": 12, "at": "2026-03-02T08:55:00", "direction": "in", "reason": "Camera was down at 9:00"},
    request_only=True,
)


@extend_schema_view(
    get=extend_schema(summary="Attendance events, newest first"),
    post=extend_schema(
        summary="Add an event by hand",
        request=EventAddSerializer,
        responses={201: EventSerializer},
        examples=[EXAMPLE_ADD],
    ),
)
class EventListCreate(generics.ListAPIView):
    permission_classes = [IsHR]
    serializer_class = EventSerializer
    filterset_class = EventFilter

    def get_queryset(self):
        return events().order_by("-at", "-id")

    def post(self, request):
        form = EventAddSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = correct(request, attendance_event_add, **form.validated_data)
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(summary="An attendance event, with its corrections"))
class EventDetail(generics.RetrieveAPIView):
    permission_classes = [IsHR]
    serializer_class = EventSerializer

    def get_queryset(self):
        return events()


class EventCorrect(generics.GenericAPIView):
    permission_classes = [IsHR]
    queryset = AttendanceEvent.objects.select_related("person")

    @extend_schema(
        summary="Correct an event's time or direction",
        request=EventChangeSerializer,
        responses={200: EventSerializer},
    )
    def post(self, request, pk):
        event = self.get_object()
        form = EventChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(correct(request, attendance_event_change, event=event, **form.validated_data))


class EventVoid(generics.GenericAPIView):
    permission_classes = [IsHR]
    queryset = AttendanceEvent.objects.select_related("person")

    @extend_schema(summary="Void an event", request=ReasonSerializer, responses={200: EventSerializer})
    def post(self, request, pk):
        event = self.get_object()
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(correct(request, attendance_event_void, event=event, **form.validated_data))
