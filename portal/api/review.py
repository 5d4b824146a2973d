"""The review list of unknown faces (HR and admins): list, one entry, its picture, and the three decisions.

An entry groups the sightings of one face nobody enrolled matched (within
REVIEW_GROUP_DISTANCE of the entry's mean encoding). Assigning it to a
person adds its picture as an enrollment photo (checked by a worker like
any other); marking it as a visitor registers a pass with the face;
dismissing takes it off the list. Entries are erased REVIEW_RETENTION_DAYS
after they were last seen.
"""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from portal.access.models import Door
from portal.access.visitors import VisitorRefused
from portal.api.access import acting_user
from portal.api.captures import PersonRefSerializer
from portal.api.errors import ApiError
from portal.api.filters import MAX_ID
from portal.api.permissions import IsHR
from portal.core.files import picture_response
from portal.people.models import Person
from portal.review.models import UnknownFace, UnknownSighting
from portal.review.services import ReviewRefused, review_assign, review_dismiss, review_visitor


class SightingSerializer(serializers.ModelSerializer):
    kiosk = serializers.CharField(source="kiosk.name", allow_null=True, default=None)

    class Meta:
        model = UnknownSighting
        fields = ["at", "source", "camera_id", "kiosk_id", "kiosk", "capture_id", "distance", "group_distance"]
        read_only_fields = fields


class UnknownFaceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    picture = serializers.SerializerMethodField(help_text="The best picture of the face (JPEG).")
    person = PersonRefSerializer(allow_null=True, read_only=True, help_text="Assigned to, or the visitor's identity.")
    sightings = serializers.SerializerMethodField(help_text="The latest 20, newest first.")

    class Meta:
        model = UnknownFace
        fields = [
            "id", "url", "status", "seen", "first_seen", "last_seen", "picture", "person", "photo_id", "visitor_id",
            "decided_at", "sightings",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, entry) -> str:
        return reverse("api:review-detail", args=[entry.pk], request=self.context.get("request"))

    def get_picture(self, entry) -> str:
        return reverse("api:review-picture", args=[entry.pk], request=self.context.get("request"))

    def get_sightings(self, entry) -> list[dict]:
        rows = entry.sightings.select_related("kiosk")[:20]
        return SightingSerializer(rows, many=True).data


class ReviewFilter(django_filters.FilterSet):
    class Meta:
        model = UnknownFace
        fields = ["status"]


def _entries():
    # the pictures and encodings are read only by the views that need them
    return UnknownFace.objects.select_related("person").defer("picture", "encoding")


@extend_schema_view(get=extend_schema(summary="Unknown faces to review, last seen first"))
class UnknownFaceList(generics.ListAPIView):
    permission_classes = [IsHR]
    serializer_class = UnknownFaceSerializer
    filterset_class = ReviewFilter
    queryset = _entries()


@extend_schema_view(get=extend_schema(summary="One unknown face and its latest sightings"))
class UnknownFaceDetail(generics.RetrieveAPIView):
    permission_classes = [IsHR]
    serializer_class = UnknownFaceSerializer
    queryset = _entries()


class UnknownFacePicture(APIView):
    permission_classes = [IsHR]

    @extend_schema(summary="The best picture of an unknown face", responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        return picture_response(get_object_or_404(UnknownFace.objects.only("picture"), pk=pk).picture)


def _decided(request, entry):
    entry.refresh_from_db()
    return Response(UnknownFaceSerializer(entry, context={"request": request}).data)


class ReviewAssignSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The person the face is.")


class UnknownFaceAssign(APIView):
    permission_classes = [IsHR]
    error_statuses = (409,)  # the entry was already decided

    @extend_schema(
        summary="The face is this person's: enroll its picture",
        description="The picture becomes a photo of the person, encoded and checked by a worker like any upload "
        "(it may still be rejected: see the person's photos). 409 when the entry was already decided.",
        request=ReviewAssignSerializer,
        responses={200: UnknownFaceSerializer},
    )
    def post(self, request, pk):
        entry = get_object_or_404(UnknownFace, pk=pk)
        form = ReviewAssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        person = Person.objects.filter(pk=form.validated_data["person"]).first()
        if person is None:
            message = gettext("There is no person with this id.")
            raise ApiError(400, "invalid", message, {"person": [message]})
        try:
            review_assign(entry=entry, person=person, user=acting_user(request))
        except ReviewRefused as exc:
            raise ApiError(409, "already_decided", exc.message) from None
        return _decided(request, entry)


class ReviewVisitorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    company = serializers.CharField(max_length=200, required=False, default="")
    host = serializers.PrimaryKeyRelatedField(queryset=Person.objects.filter(visitor=None, active=True))
    doors = serializers.PrimaryKeyRelatedField(queryset=Door.objects.all(), many=True)
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()


class UnknownFaceVisitor(APIView):
    permission_classes = [IsHR]
    error_statuses = (409,)  # the entry was already decided

    @extend_schema(
        summary="The face was a visitor's: register a pass with it",
        description="A visitor pass (as POST /api/v1/access/visitors/) whose photo is this face; "
        "the face is erased with the pass (VISITOR_RETENTION_DAYS). 409 when the entry was already decided.",
        request=ReviewVisitorSerializer,
        responses={200: UnknownFaceSerializer},
    )
    def post(self, request, pk):
        entry = get_object_or_404(UnknownFace, pk=pk)
        form = ReviewVisitorSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            review_visitor(entry=entry, user=acting_user(request), **form.validated_data)
        except ReviewRefused as exc:
            raise ApiError(409, "already_decided", exc.message) from None
        except VisitorRefused as exc:
            raise ApiError(400, "visitor_refused", exc.message) from None
        return _decided(request, entry)


class UnknownFaceDismiss(APIView):
    permission_classes = [IsHR]
    error_statuses = (409,)  # the entry was already decided

    @extend_schema(
        summary="Nobody to act on: take the face off the list", request=None, responses={200: UnknownFaceSerializer}
    )
    def post(self, request, pk):
        entry = get_object_or_404(UnknownFace, pk=pk)
        try:
            review_dismiss(entry=entry, user=acting_user(request))
        except ReviewRefused as exc:
            raise ApiError(409, "already_decided", exc.message) from None
        return _decided(request, entry)
