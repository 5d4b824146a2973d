"""Kiosks (admins only): register, list, change, pair a browser, revoke; through
portal.kiosks.services. A kiosk's own token works only on the kiosk's endpoints."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse as url_reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from portal.api.errors import ApiError
from portal.api.permissions import IsAdmin
from portal.kiosks.models import Kiosk, language_choices
from portal.kiosks.services import KioskError, kiosk_pairing_create, kiosk_register, kiosk_revoke


class KioskSerializer(serializers.ModelSerializer):
    paired = serializers.BooleanField(read_only=True, help_text="A browser holds this kiosk's token.")
    revoked = serializers.BooleanField(read_only=True)
    language = serializers.ChoiceField(
        choices=language_choices(),
        required=False,
        allow_blank=True,
        help_text="The kiosk's screen and voice language; empty: its browser's.",
    )

    class Meta:
        model = Kiosk
        fields = [
            "id", "name", "location", "mode", "direction", "liveness", "language", "paired", "revoked",
            "paired_at", "last_seen_at", "revoked_at", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "paired", "revoked", "paired_at", "last_seen_at", "revoked_at", "created_at"]


class PairingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="One-time code to type on the kiosk's pairing page; shown once.")
    link = serializers.URLField(help_text="Or open this address on the kiosk's browser.")
    expires_at = serializers.DateTimeField()


def kiosk_failure(exc):
    return ApiError(exc.status, exc.code, exc.message)


@extend_schema_view(
    get=extend_schema(summary="Kiosks"),
    post=extend_schema(summary="Register a kiosk", description="Then pair a browser with it."),
)
class KioskListCreate(generics.ListCreateAPIView):
    permission_classes = [IsAdmin]
    serializer_class = KioskSerializer
    queryset = Kiosk.objects.order_by("name", "id")
    filterset_fields = ["mode"]

    def perform_create(self, serializer):
        try:
            serializer.instance = kiosk_register(**serializer.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None


@extend_schema_view(
    get=extend_schema(summary="A kiosk"),
    put=extend_schema(summary="Change a kiosk"),
    patch=extend_schema(summary="Change some of a kiosk's settings"),
)
class KioskDetail(generics.RetrieveUpdateAPIView):
    permission_classes = [IsAdmin]
    serializer_class = KioskSerializer
    queryset = Kiosk.objects.all()


class KioskPairingCreate(generics.GenericAPIView):
    permission_classes = [IsAdmin]
    error_statuses = [409]  # the kiosk is revoked
    queryset = Kiosk.objects.all()

    @extend_schema(
        summary="Pair a browser",
        description="A one-time code, valid for KIOSK_PAIRING_MINUTES; pairing again unpairs the previous browser.",
        request=None,
        responses={201: PairingSerializer},
    )
    def post(self, request, pk):
        kiosk = self.get_object()
        creator = request.user if getattr(request.user, "_meta", None) else None
        try:
            pairing, code = kiosk_pairing_create(kiosk=kiosk, created_by=creator)
        except KioskError as exc:
            raise kiosk_failure(exc) from None
        data = {
            "code": f"{code[:4]}-{code[4:]}",
            "link": request.build_absolute_uri(url_reverse("kiosk-pair-code", args=[code])),
            "expires_at": pairing.expires_at,
        }
        return Response(PairingSerializer(data).data, status=status.HTTP_201_CREATED)


class KioskRevoke(generics.GenericAPIView):
    permission_classes = [IsAdmin]
    queryset = Kiosk.objects.all()

    @extend_schema(
        summary="Revoke a kiosk",
        description="Its browser can submit nothing more, at once.",
        request=None,
        responses={200: KioskSerializer},
    )
    def post(self, request, pk):
        kiosk = kiosk_revoke(kiosk=self.get_object())
        return Response(KioskSerializer(kiosk).data)
