"""API tokens (admins only): create (the key is shown once), list, revoke."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from portal.api.models import ApiToken
from portal.api.permissions import IsAdmin
from portal.api.services import api_token_create, api_token_revoke


class TokenSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    active = serializers.BooleanField(read_only=True, help_text="False once revoked.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "role", "prefix", "active", "created_by", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "active", "created_by", "created_at", "last_used_at", "revoked_at"]

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("The name cannot be blank."))
        return value.strip()


class NewTokenSerializer(TokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The token itself. It is shown only this once.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]


@extend_schema_view(
    get=extend_schema(summary="API tokens"),
    post=extend_schema(
        summary="Create an API token",
        responses={201: NewTokenSerializer},
        examples=[OpenApiExample("HR system", value={"name": "HR system sync", "role": "hr"}, request_only=True)],
    ),
)
class TokenListCreate(generics.ListCreateAPIView):
    permission_classes = [IsAdmin]
    serializer_class = TokenSerializer
    queryset = ApiToken.objects.select_related("created_by")
    filterset_fields = ["role"]

    def create(self, request, *args, **kwargs):
        form = TokenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        creator = request.user if getattr(request.user, "_meta", None) else request.auth.created_by
        token, key = api_token_create(**form.validated_data, created_by=creator)
        token.key = key
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="An API token"),
    delete=extend_schema(summary="Revoke an API token", description="It stops working at once; the row is kept."),
)
class TokenDetail(generics.RetrieveDestroyAPIView):
    permission_classes = [IsAdmin]
    serializer_class = TokenSerializer
    queryset = ApiToken.objects.select_related("created_by")

    def perform_destroy(self, token):
        api_token_revoke(token=token)
