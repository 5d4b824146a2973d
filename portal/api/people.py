"""People: list, create, read, update, deactivate, delete."""

import django_filters
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import filters, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.errors import ApiError
from portal.api.permissions import IsHR
from portal.people.models import Department, Person
from portal.people.search import person_search
from portal.people.services import person_delete
from recognition.models import FacePhoto


class PersonSerializer(serializers.ModelSerializer):
    department = serializers.CharField(
        source="department.name",
        max_length=100,
        allow_null=True,
        required=False,
        help_text="Department name; a new name creates the department.",
    )
    photos_accepted = serializers.IntegerField(read_only=True, help_text="Enrollment photos turned into templates.")

    class Meta:
        model = Person
        fields = ["id", "name", "employee_id", "department", "active", "photos_accepted", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # a duplicate employee ID is a 409 from the view, not a 400 from a validator
        extra_kwargs = {"employee_id": {"validators": []}, "active": {"default": True}}

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("The name cannot be blank."))
        return value.strip()

    def validate_employee_id(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("The employee ID cannot be blank."))
        return value.strip()

    def _department(self, validated):
        if "department" not in validated:
            return {}
        name = ((validated.pop("department") or {}).get("name") or "").strip()
        return {"department": Department.objects.get_or_create(name=name)[0] if name else None}

    def create(self, validated):
        return super().create({**validated, **self._department(validated)})

    def update(self, instance, validated):
        return super().update(instance, {**validated, **self._department(validated)})


class PersonSearchFilter(filters.SearchFilter):
    """`search`: name in any case, with or without accents, Chinese names by pinyin
    ("zhang wei", "zhangwei", "zw", tones or not), or employee ID."""

    search_description = (
        "Name (any case, accents optional; Chinese names also by pinyin, full or initials, "
        "with or without tones) or employee ID."
    )

    def filter_queryset(self, request, queryset, view):
        query = request.query_params.get(self.search_param, "")
        return person_search(queryset, query) if query.strip() else queryset


def people():
    accepted = Count("photos", filter=Q(photos__status=FacePhoto.Status.ACCEPTED))
    # a record merged into another stays hidden while the merge can be undone
    people = Person.objects.filter(merged_into=None).select_related("department")
    return people.annotate(photos_accepted=accepted).order_by("name", "id")


class PersonFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter()
    department = django_filters.CharFilter(field_name="department__name", lookup_expr="iexact")
    employee_id = django_filters.CharFilter()
    enrolled = django_filters.BooleanFilter(method="filter_enrolled", label="Has at least one accepted photo")

    class Meta:
        model = Person
        fields = ["active", "department", "employee_id", "enrolled"]

    def filter_enrolled(self, queryset, name, value):
        return queryset.filter(photos_accepted__gt=0) if value else queryset.filter(photos_accepted=0)


def save_unique(serializer, **kwargs):
    """Save, turning a taken employee ID into 409 (also when two requests race)."""
    employee_id = serializer.validated_data.get("employee_id")
    taken = Person.objects.filter(employee_id=employee_id)
    if serializer.instance is not None:
        taken = taken.exclude(pk=serializer.instance.pk)
    conflict = ApiError(
        409,
        "duplicate_employee_id",
        _("Employee ID %(employee_id)r belongs to another person.") % {"employee_id": employee_id},
        {"employee_id": [_("Another person has this employee ID.")]},
    )
    if employee_id is not None and taken.exists():
        raise conflict
    try:
        with transaction.atomic():
            return serializer.save(**kwargs)
    except IntegrityError:
        raise conflict from None


PERSON_EXAMPLE = OpenApiExample(
    "A person",
    value={"name": "Ada Lovelace", "employee_id": "E-1815", "department": "Engineering", "active": True},
    request_only=True,
)


@extend_schema_view(
    get=extend_schema(
        summary="List people",
        description="Search by name or employee ID with `search`: any case, accents optional, "
        "Chinese names by pinyin too.",
    ),
    post=extend_schema(summary="Add a person", examples=[PERSON_EXAMPLE]),
)
class PersonListCreate(generics.ListCreateAPIView):
    permission_classes = [IsHR]
    error_statuses = [409]
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, PersonSearchFilter, filters.OrderingFilter]
    ordering_fields = ["name", "employee_id", "created_at"]

    def get_queryset(self):
        return people()

    def perform_create(self, serializer):
        save_unique(serializer)
        serializer.instance.photos_accepted = 0


@extend_schema_view(
    get=extend_schema(summary="A person"),
    put=extend_schema(summary="Replace a person's details"),
    patch=extend_schema(summary="Change a person's details"),
    delete=extend_schema(
        summary="Delete a person",
        description="Erases the person with their photos (files included), templates and attendance events.",
    ),
)
class PersonDetail(generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [IsHR]
    error_statuses = [409]
    serializer_class = PersonSerializer

    def get_queryset(self):
        return people()

    def perform_update(self, serializer):
        save_unique(serializer)
        serializer.instance.photos_accepted = people().get(pk=serializer.instance.pk).photos_accepted

    def perform_destroy(self, instance):
        person_delete(person=instance)  # erasure: every picture and line that names them


class PersonDeactivate(APIView):
    """Inactive people are kept but no longer recognized."""

    permission_classes = [IsHR]

    @extend_schema(summary="Deactivate a person", request=None, responses={200: PersonSerializer})
    def post(self, request, pk):
        person = generics.get_object_or_404(people(), pk=pk)
        if person.active:
            person.active = False
            person.save(update_fields=["active", "updated_at"])
        return Response(PersonSerializer(person).data, status=status.HTTP_200_OK)
