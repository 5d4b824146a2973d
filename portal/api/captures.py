"""Recognition (1:N) and verification (1:1) of submitted pictures.

Submitting answers 202 with the capture's id at once; a worker does the face
work. `?wait=N` holds the answer up to N seconds (at most
API_WAIT_MAX_SECONDS) and gives the result directly when it is ready in time.
"""

from typing import Any

import django_filters
from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from portal.api.filters import MAX_ID
from portal.api.permissions import IsHR
from portal.api.uploads import image_response, read_image
from portal.attendance.models import AttendanceEvent
from portal.core.messages import message_text
from portal.core.waits import wait_slot
from portal.people.models import Person
from recognition.models import Capture
from recognition.results import FaceResult
from recognition.services import capture_submit, capture_wait

FINISHED = (Capture.Status.DONE, Capture.Status.FAILED)

WAIT = OpenApiParameter(
    "wait",
    {"type": "integer", "minimum": 0},
    required=False,
    description="Seconds to wait for the result: 0 (the default) up to the server's limit, 20 unless configured.",
)


class BoxSerializer(serializers.Serializer):
    top = serializers.IntegerField()
    right = serializers.IntegerField()
    bottom = serializers.IntegerField()
    left = serializers.IntegerField()

    def to_representation(self, box):
        return dict(zip(["top", "right", "bottom", "left"], box, strict=True))


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    employee_id = serializers.CharField()


class EventRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(AttendanceEvent.Direction.choices, allow_null=True)
    status = serializers.ChoiceField(
        ["created", "cooldown"], help_text="`cooldown`: seen again within the cooldown; the earlier event."
    )


class FaceSerializer(serializers.Serializer):
    box = BoxSerializer(help_text="Pixels in the upright picture.")
    person = serializers.SerializerMethodField()
    distance = serializers.FloatField(allow_null=True, help_text="Face distance; lower is closer.")
    decision = serializers.ChoiceField(["match", "unknown", "verified", "refused"])
    event = serializers.SerializerMethodField()

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_person(self, face: FaceResult) -> dict[str, Any] | None:
        if face.person_id is None:
            return None
        return {"id": face.person_id, "name": face.name, "employee_id": face.employee_id}

    @extend_schema_field(EventRefSerializer(allow_null=True))
    def get_event(self, face: FaceResult) -> dict[str, Any] | None:
        if face.event_id is None:
            return None
        return {"id": face.event_id, "direction": face.direction, "status": face.event}


class CaptureSerializer(serializers.ModelSerializer):
    faces = serializers.SerializerMethodField(help_text="Every face found, largest-first order of the engine.")
    annotated_image = serializers.SerializerMethodField(help_text="The picture with a box and name per face.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Capture
        fields = [
            "id",
            "url",
            "status",
            "error",
            "source",
            "record_attendance",
            "created_at",
            "finished_at",
            "faces",
            "annotated_image",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # stored in English: read in the request's language
        data["error"] = message_text(instance.error)
        return data

    @extend_schema_field(FaceSerializer(many=True))
    def get_faces(self, capture):
        result = capture.face_result
        return FaceSerializer(result.faces if result else [], many=True).data

    def get_annotated_image(self, capture) -> str | None:
        if not capture.annotated:
            return None
        return reverse("api:capture-annotated", args=[capture.pk], request=self.context.get("request"))

    def get_url(self, capture) -> str:
        return reverse("api:capture-detail", args=[capture.pk], request=self.context.get("request"))


class VerificationSerializer(CaptureSerializer):
    """Says only whether the face is the claimed person, never who else it may be."""

    person = PersonRefSerializer(source="claimed_person", help_text="The person the face was checked against.")
    verified = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    distance = serializers.SerializerMethodField()

    class Meta(CaptureSerializer.Meta):
        fields = [
            "id",
            "url",
            "status",
            "error",
            "person",
            "verified",
            "reason",
            "distance",
            "record_attendance",
            "created_at",
            "finished_at",
            "faces",
            "annotated_image",
        ]
        read_only_fields = fields

    def get_verified(self, capture) -> bool | None:
        result = capture.face_result
        return None if result is None else bool(result.verified)

    @extend_schema_field(serializers.ChoiceField(["match", "no_match", "no_face", "not_enrolled"], allow_null=True))
    def get_reason(self, capture):
        return capture.face_result.reason if capture.face_result else None

    def get_distance(self, capture) -> float | None:
        return capture.face_result.distance if capture.face_result else None

    def get_annotated_image(self, capture) -> str | None:
        if not capture.annotated:
            return None
        return reverse("api:verification-annotated", args=[capture.pk], request=self.context.get("request"))

    def get_url(self, capture) -> str:
        return reverse("api:verification-detail", args=[capture.pk], request=self.context.get("request"))


class RecognizeSerializer(serializers.Serializer):
    image = serializers.FileField(allow_empty_file=True, help_text="A picture of one person or a group.")
    record_attendance = serializers.BooleanField(default=True)


class VerifySerializer(serializers.Serializer):
    image = serializers.FileField(allow_empty_file=True, help_text="A picture of the person's face.")
    person = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="The claimed person's id …"
    )
    employee_id = serializers.CharField(required=False, max_length=64, help_text="… or their employee ID.")
    record_attendance = serializers.BooleanField(default=True, help_text="Record an event when verified.")

    def validate(self, data):
        if ("person" in data) == ("employee_id" in data):
            raise serializers.ValidationError(_("Give either `person` (an id) or `employee_id`, not both."))
        if "person" in data:
            data["claimed"] = Person.objects.filter(pk=data["person"]).first()
            if data["claimed"] is None:
                raise serializers.ValidationError({"person": [_("There is no person with this id.")]})
        else:
            data["claimed"] = Person.objects.filter(employee_id=data["employee_id"]).first()
            if data["claimed"] is None:
                raise serializers.ValidationError({"employee_id": [_("There is no person with this employee ID.")]})
        return data


class WaitSerializer(serializers.Serializer):
    wait = serializers.IntegerField(min_value=0, required=False, default=0)


def wait_seconds(request):
    query = WaitSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return min(query.validated_data["wait"], settings.API_WAIT_MAX_SECONDS)


def answer(capture, serializer_class, request, seconds, *, created):
    """200 with the result when finished, else 202 with where to ask again."""
    with wait_slot(request, seconds) as allowed:
        capture = capture_wait(capture=capture, seconds=allowed)
    data = serializer_class(capture, context={"request": request}).data
    done = capture.status in FINISHED
    headers = {} if done else {"Retry-After": "1"}
    if created:
        headers["Location"] = data["url"]
    return Response(data, status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED, headers=headers)


def submitter(request):
    # a token's captures belong to no user; a signed-in user's are theirs
    return request.user if getattr(request.user, "_meta", None) else None


def submit_and_answer(request, form_class, serializer_class):
    """Queue the posted picture as an API capture, then answer as `answer` does.

    Recognition (1:N) and verification (1:1) take a picture the same way; a
    verification's form adds the claimed person (`claimed`), a recognition's has none.
    """
    seconds = wait_seconds(request)
    form = form_class(data=request.data)
    form.is_valid(raise_exception=True)
    upload = form.validated_data["image"]
    capture = capture_submit(
        data=read_image(upload),
        filename=upload.name or "capture.jpg",
        source=Capture.Source.API,
        user=submitter(request),
        record_attendance=form.validated_data["record_attendance"],
        claimed_person=form.validated_data.get("claimed"),
    )
    return answer(capture, serializer_class, request, seconds, created=True)


RESULT_EXAMPLE = OpenApiExample(
    "Two faces, one known",
    response_only=True,
    status_codes=["200"],
    value={
        "id": 311,
        "url": "https://attendance.example.com/api/v1/captures/311/",
        "status": "done",
        "error": "",
        "source": "api",
        "record_attendance": True,
        "created_at": "2026-03-02T08:59:58Z",
        "finished_at": "2026-03-02T08:59:59Z",
        "faces": [
            {
                "box": {"top": 92, "right": 402, "bottom": 221, "left": 273},
                "person": {"id": 12, "name": "Ada Lovelace", "employee_id": "E-1815"},
                "distance": 0.3712,
                "decision": "match",
                "event": {"id": 5120, "direction": "in", "status": "created"},
            },
            {
                "box": {"top": 110, "right": 640, "bottom": 218, "left": 532},
                "person": None,
                "distance": 0.6841,
                "decision": "unknown",
                "event": None,
            },
        ],
        "annotated_image": "https://attendance.example.com/api/v1/captures/311/annotated/",
    },
)


class Recognize(APIView):
    permission_classes = [IsHR]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Recognize every face in a picture",
        description="Answers 202 with the capture at once, or 200 with the result if it is ready within `wait` "
        "seconds. Each recognized person gets an attendance event unless `record_attendance` is false.",
        parameters=[WAIT],
        request={"multipart/form-data": RecognizeSerializer},
        responses={200: CaptureSerializer, 202: CaptureSerializer},
        examples=[RESULT_EXAMPLE],
    )
    def post(self, request):
        return submit_and_answer(request, RecognizeSerializer, CaptureSerializer)


class CaptureFilter(django_filters.FilterSet):
    class Meta:
        model = Capture
        fields = ["status", "source"]


@extend_schema_view(get=extend_schema(summary="Recognitions, newest first"))
class CaptureList(generics.ListAPIView):
    permission_classes = [IsHR]
    serializer_class = CaptureSerializer
    filterset_class = CaptureFilter
    queryset = Capture.objects.filter(claimed_person__isnull=True).order_by("-created_at", "-id")


class CaptureDetail(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        summary="A recognition's status and result",
        parameters=[WAIT],
        responses={200: CaptureSerializer, 202: CaptureSerializer},
    )
    def get(self, request, pk):
        seconds = wait_seconds(request)
        capture = get_object_or_404(Capture, pk=pk, claimed_person__isnull=True)
        return answer(capture, CaptureSerializer, request, seconds, created=False)


class CaptureAnnotated(APIView):
    permission_classes = [IsHR]

    @extend_schema(summary="The picture with every face marked", responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        capture = get_object_or_404(Capture, pk=pk, claimed_person__isnull=True)
        return image_response(capture.annotated)


class Verify(APIView):
    permission_classes = [IsHR]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Verify that a face is a given person (1:1)",
        description="The largest face must match the claimed person and nobody better. The answer gives the "
        "distance to that person only and never names anyone else.",
        parameters=[WAIT],
        request={"multipart/form-data": VerifySerializer},
        responses={200: VerificationSerializer, 202: VerificationSerializer},
    )
    def post(self, request):
        return submit_and_answer(request, VerifySerializer, VerificationSerializer)


class VerificationDetail(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        summary="A verification's status and result",
        parameters=[WAIT],
        responses={200: VerificationSerializer, 202: VerificationSerializer},
    )
    def get(self, request, pk):
        seconds = wait_seconds(request)
        capture = get_object_or_404(
            Capture.objects.select_related("claimed_person"), pk=pk, claimed_person__isnull=False
        )
        return answer(capture, VerificationSerializer, request, seconds, created=False)


class VerificationAnnotated(APIView):
    permission_classes = [IsHR]

    @extend_schema(summary="The picture with the face marked", responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        capture = get_object_or_404(Capture, pk=pk, claimed_person__isnull=False)
        return image_response(capture.annotated)
