"""Cameras (admins only): add, list, change, remove; each camera's health and latest picture.

Credentials are write-only: a camera's user name and password go in, and
never come back out (only whether some are stored).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from portal.api.errors import ApiError
from portal.api.permissions import IsAdmin
from portal.cameras.models import Camera
from portal.cameras.pictures import camera_picture_read
from portal.cameras.selectors import camera_health


class HealthSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["disabled", "waiting", "connected", "failing"],
        help_text="waiting: no runner holds the camera; failing: a runner holds it but cannot read the stream.",
    )
    state_text = serializers.CharField()
    runner = serializers.CharField(help_text="The runner holding the camera's lease.")
    connected_since = serializers.CharField()
    frames_per_second = serializers.FloatField(help_text="Frames read from the stream per second.")
    analysed_per_second = serializers.FloatField(help_text="Frames looked at for faces per second.")
    faces_per_minute = serializers.FloatField()
    analysis_enough = serializers.BooleanField(
        allow_null=True,
        help_text="Enough frames analysed per second to follow a person passing (CAMERA_MIN_ANALYSED_FPS); "
        "null when not connected.",
    )
    analysis_text = serializers.CharField()
    warning = serializers.CharField(
        help_text="What is wrong though the stream reads: no face found for a long time (with the likely "
        "cause), analysis too slow, load shed between cameras; empty when all is well."
    )
    reconnects = serializers.IntegerField()
    last_error = serializers.CharField()
    last_error_at = serializers.CharField()
    health_at = serializers.CharField()
    picture_at = serializers.CharField()


class CameraSerializer(serializers.ModelSerializer):
    username = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=100)
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=200, style={"input_type": "password"}
    )
    has_credentials = serializers.SerializerMethodField(help_text="A user name is stored (never shown).")
    url = serializers.CharField(
        max_length=500,
        # kept as sent: a line feed or space at either end is refused with the rest (portal.cameras.addresses)
        trim_whitespace=False,
        help_text="Without credentials: rtsp://host:554/path, http://host/video.mjpg, ... on a host and port "
        "CAMERA_ALLOWED_HOSTS and CAMERA_ALLOWED_PORTS allow; no spaces or control characters.",
    )
    region = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=1),
        min_length=4,
        max_length=4,
        allow_null=True,
        required=False,
        help_text="[left, top, right, bottom] as fractions 0-1 of the picture; null: all of it.",
    )
    health = serializers.SerializerMethodField()

    class Meta:
        model = Camera
        fields = [
            "id", "name", "kind", "url", "username", "password", "has_credentials", "snapshot_seconds", "purpose",
            "door", "door_side", "analyse_fps", "min_face", "region", "enabled", "health", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]

    def get_has_credentials(self, camera) -> bool:
        return bool(camera.username)

    @extend_schema(responses=HealthSerializer)
    def get_health(self, camera) -> dict:
        return HealthSerializer(camera_health(camera)).data

    def validate(self, attrs):
        instance = self.instance or Camera()
        for name, value in attrs.items():
            if name in ("username", "password") and not value and self.instance is not None:
                continue  # empty keeps what is stored, as in the form
            setattr(instance, name, value)
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs

    def update(self, instance, validated_data):
        for name in ("username", "password"):
            if not validated_data.get(name):
                validated_data.pop(name, None)
        return super().update(instance, validated_data)


@extend_schema_view(
    get=extend_schema(summary="Cameras", description="Each with its health."),
    post=extend_schema(summary="Add a camera", description="A runner (`manage.py cameras run`) picks it up."),
)
class CameraListCreate(generics.ListCreateAPIView):
    permission_classes = [IsAdmin]
    serializer_class = CameraSerializer
    queryset = Camera.objects.all().order_by("name", "id")
    filterset_fields = ["kind", "purpose", "enabled"]

    def get_success_headers(self, data):
        # DRF would send the `url` field as Location: the stream's address is not a link to the camera
        return {}


@extend_schema_view(
    get=extend_schema(summary="A camera", description="Its settings (never its credentials) and health."),
    put=extend_schema(summary="Change a camera"),
    patch=extend_schema(summary="Change some of a camera's settings"),
    delete=extend_schema(summary="Remove a camera", description="Its decided tracks and events stay."),
)
class CameraDetail(generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [IsAdmin]
    serializer_class = CameraSerializer
    queryset = Camera.objects.all()


class CameraPicture(generics.GenericAPIView):
    permission_classes = [IsAdmin]
    queryset = Camera.objects.all()

    @extend_schema(
        summary="The camera's latest picture",
        description="A small JPEG of the latest analysed frame; 404 before the first.",
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        camera = self.get_object()
        picture = camera_picture_read(camera.pk) if camera.last_picture_at else None
        if not picture:
            raise ApiError(404, "no_picture", gettext("No picture yet: no runner has read this camera."))
        response = HttpResponse(picture, content_type="image/jpeg")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response
