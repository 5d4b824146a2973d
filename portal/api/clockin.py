"""Clocking in from a phone through the API: a person signed in (a browser or
phone session) sends a selfie's frames and where they are; they see only
their own clock-ins. The Clock in page uses these routes too."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts.throttling import client_address
from portal.api.errors import ApiError
from portal.api.requests import IsPersonSignedIn, _me
from portal.clockin import rules
from portal.clockin.models import PhoneClockIn
from portal.clockin.selectors import phone_clock_in_view
from portal.clockin.services import ClockInRefused, phone_clock_in_find, phone_clock_in_settle, phone_clock_in_submit
from portal.core.messages import message_text
from portal.core.waits import wait_slot
from portal.employees.selectors import person_of
from portal.kiosks.services import frame_limits
from recognition import imaging
from recognition.services import capture_wait

REJECT_STATUS = {"too_large": 413, "too_many_pixels": 413, "not_image": 415}


class ClockInSerializer(serializers.Serializer):
    client_id = serializers.CharField(
        max_length=48,
        help_text="An id the phone gives this attempt (8-48 letters, digits, - or _): sent again, "
        "the attempt is not counted twice.",
    )
    frame = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        help_text="The selfie: several JPEG frames a fraction of a second apart (liveness looks at them together). "
        "Not needed where the department's policy asks for no face.",
    )
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(required=False, min_value=0, help_text="The browser's accuracy, in metres.")

    def validate(self, data):
        if ("latitude" in data) != ("longitude" in data):
            raise serializers.ValidationError(_("Give both latitude and longitude, or neither."))
        return data


class ClockInResultSerializer(serializers.Serializer):
    client_id = serializers.CharField()
    status = serializers.ChoiceField(choices=PhoneClockIn.Status.choices)
    outcome = serializers.CharField(
        help_text="pending, checked_in, checked_out, already, or why it was refused: no_match, not_live, no_face, "
        "not_enrolled, failed"
    )
    message = serializers.CharField(help_text="What to show the person, in their language.")
    at = serializers.DateTimeField(allow_null=True)
    direction = serializers.CharField(help_text="in or out once accepted")
    site = serializers.CharField(help_text="The site the location was inside, if that allowed it.")
    network = serializers.CharField(help_text="The allowed network the address was on, if that allowed it.")


def _frames(files):
    """Every frame's size checked before any is read."""
    limits = frame_limits()
    for number, upload in enumerate(files, start=1):
        try:
            imaging.check_size(upload.size, limits)
        except imaging.ImageRejected as exc:
            message = _("Frame %(number)s: %(problem)s") % {"number": number, "problem": message_text(exc.message)}
            raise ApiError(REJECT_STATUS.get(exc.code, 400), exc.code, message, {"frame": [message]}) from None
    return [upload.read() for upload in files]


def _answer(request, attempt, created=False):
    if attempt.status == PhoneClockIn.Status.PENDING and attempt.capture is not None:
        with wait_slot(request, settings.KIOSK_RESULT_WAIT_SECONDS) as allowed:
            capture_wait(capture=attempt.capture, seconds=allowed)
        attempt = phone_clock_in_settle(attempt=attempt)
    data = ClockInResultSerializer(phone_clock_in_view(attempt=attempt)).data
    pending = attempt.status == PhoneClockIn.Status.PENDING
    code = status.HTTP_202_ACCEPTED if pending else status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(data, status=code, headers={"Retry-After": "1"} if pending else {})


class MyClockIn(APIView):
    permission_classes = [IsPersonSignedIn]
    parser_classes = [MultiPartParser, FormParser]
    error_statuses = (409,)  # no enrolled face to verify the selfie against

    @extend_schema(
        summary="Clock in from my phone",
        description="The location is checked against the organization's sites, or the request's address against "
        "the allowed networks, as the department's policy says; then the selfie is verified 1:1 against the "
        "person's own enrolled face (never searched among everyone), with liveness as at kiosks. A place that is "
        "not allowed answers 403 with the reason in words (nothing is kept); 202 while the face is being checked "
        "(ask again at /api/v1/me/clock-in/{client_id}/). The location is kept only on the attendance event.",
        request={"multipart/form-data": ClockInSerializer},
        responses={200: ClockInResultSerializer, 201: ClockInResultSerializer, 202: ClockInResultSerializer},
    )
    def post(self, request):
        person = _me(request)
        form = ClockInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        position = None
        if "latitude" in data:
            position = rules.Position(data["latitude"], data["longitude"], data.get("accuracy_m"))
        try:
            attempt, created = phone_clock_in_submit(
                person=person,
                client_id=data["client_id"],
                frames=_frames(data["frame"]),
                position=position,
                address=client_address(request),
            )
        except ClockInRefused as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        return _answer(request, attempt, created=created)


class MyClockInDetail(APIView):
    permission_classes = [IsPersonSignedIn]

    @extend_schema(
        summary="One of my phone clock-ins", responses={200: ClockInResultSerializer, 202: ClockInResultSerializer}
    )
    def get(self, request, client_id):
        person = person_of(request.user)  # linked to nobody: no clock-in of theirs, as /me/days/ says
        attempt = phone_clock_in_find(person=person, client_id=client_id) if person else None
        if attempt is None:
            raise ApiError(404, "not_found", _("You have no clock-in with this id."))
        return _answer(request, attempt)
