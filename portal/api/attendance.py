"""Attendance events: list with filters."""

from datetime import datetime, time, timedelta

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from portal.api.captures import PersonRefSerializer
from portal.api.filters import IdFilter
from portal.api.permissions import IsHR
from portal.attendance.models import AttendanceEvent


class EventSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer()
    distance = serializers.FloatField(allow_null=True, help_text="Face distance of the recognition; null if manual.")

    class Meta:
        model = AttendanceEvent
        fields = ["id", "person", "at", "direction", "source", "distance", "capture", "created_at"]
        read_only_fields = fields


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
        fields = ["person", "employee_id", "department", "direction", "source", "capture"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=local_midnight(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=local_midnight(value + timedelta(days=1)))


@extend_schema_view(get=extend_schema(summary="Attendance events, newest first"))
class EventList(generics.ListAPIView):
    permission_classes = [IsHR]
    serializer_class = EventSerializer
    filterset_class = EventFilter
    queryset = AttendanceEvent.objects.select_related("person").order_by("-at", "-id")


@extend_schema_view(get=extend_schema(summary="An attendance event"))
class EventDetail(generics.RetrieveAPIView):
    permission_classes = [IsHR]
    serializer_class = EventSerializer
    queryset = AttendanceEvent.objects.select_related("person")
