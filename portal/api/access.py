"""Doors and access (security staff; visitors also reception): the access log, doors and
operator commands, the who-may-pass question, who is on site, alerts, visitors.
Everything goes through portal.access's services and selectors, like the pages."""

from datetime import timedelta

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from portal.access.models import AccessEvent, Alert, Door, Visitor, Zone
from portal.access.selectors import access_explain, zone_door_evidence, zone_on_site, zone_tz
from portal.access.services import door_unlock_operator, zone_lockdown, zone_lockdown_end
from portal.access.texts import reason_message
from portal.access.visitors import VisitorRefused, visitor_pass_end, visitor_register
from portal.accounts.roles import SECURITY
from portal.api.attendance import local_midnight
from portal.api.captures import PersonRefSerializer
from portal.api.errors import ApiError
from portal.api.filters import IdFilter
from portal.api.models import ApiToken
from portal.api.permissions import IsReception, IsSecurity, request_roles
from portal.core.messages import message_text
from portal.people.models import Person
from recognition import imaging
from recognition.services import upload_read


def acting_user(request):
    """The account for the audit trail; None for a token (the trail then says "system")."""
    return request.user if getattr(request.user, "_meta", None) else None


class AccessEventSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer(allow_null=True)
    door = serializers.CharField(source="door.name")
    zone = serializers.CharField(source="zone.name")
    visitor = serializers.CharField(source="visitor.name", allow_null=True, default=None)
    reason = serializers.CharField(
        help_text="granted, not_recognized, inactive, no_access, outside_hours, "
        "pass_expired, anti_passback, not_live, locked_down, badge_required"
    )
    message = serializers.CharField(help_text="What the door's screen said.")
    explanation = serializers.ListField(child=serializers.CharField(), help_text="Why, in sentences.")

    class Meta:
        model = AccessEvent
        fields = [
            "id",
            "at",
            "door",
            "zone",
            "direction",
            "kiosk",
            "person",
            "visitor",
            "capture",
            "distance",
            "result",
            "reason",
            "message",
            "explanation",
            "passback_violation",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # stored in English with its code: read in the request's language
        data["message"] = reason_message(instance.reason, instance.message)
        data["explanation"] = [message_text(sentence) for sentence in instance.explanation]
        return data


class AccessEventFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(method="filter_from", label="From this local date")
    date_to = django_filters.DateFilter(method="filter_to", label="Up to this local date, included")
    door = IdFilter(field_name="door_id", label="Door id")
    zone = IdFilter(field_name="zone_id", label="Zone id")
    person = IdFilter(field_name="person_id", label="Person id")

    class Meta:
        model = AccessEvent
        fields = ["door", "zone", "person", "result", "reason", "direction"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=local_midnight(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=local_midnight(value + timedelta(days=1)))


def access_events():
    return AccessEvent.objects.select_related("door", "zone", "person", "visitor").order_by("-at", "-id")


@extend_schema_view(get=extend_schema(summary="Access log", description="Every attempt at a door, newest first."))
class AccessEventList(generics.ListAPIView):
    permission_classes = [IsSecurity]
    serializer_class = AccessEventSerializer
    queryset = access_events()
    filterset_class = AccessEventFilter


@extend_schema_view(get=extend_schema(summary="One access event"))
class AccessEventDetail(generics.RetrieveAPIView):
    permission_classes = [IsSecurity]
    serializer_class = AccessEventSerializer
    queryset = access_events()


class DoorSerializer(serializers.ModelSerializer):
    zone = serializers.CharField(source="zone.name")

    class Meta:
        model = Door
        fields = [
            "id",
            "name",
            "zone",
            "mode",
            "liveness",
            "state",
            "unlocked_until",
            "unlock_seconds",
            "time_clock",
            "controller_id",
        ]
        read_only_fields = fields


@extend_schema_view(get=extend_schema(summary="Doors and their state"))
class DoorList(generics.ListAPIView):
    permission_classes = [IsSecurity]
    serializer_class = DoorSerializer
    queryset = Door.objects.select_related("zone").order_by("zone__name", "name")


class UnlockSerializer(serializers.Serializer):
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)


class DoorUnlock(generics.GenericAPIView):
    permission_classes = [IsSecurity]
    serializer_class = UnlockSerializer
    queryset = Door.objects.all()

    @extend_schema(
        summary="Unlock a door for some minutes",
        responses=DoorSerializer,
        description="Sends `unlock` with the seconds to the door's controller; audited.",
    )
    def post(self, request, pk):
        door = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            door = door_unlock_operator(door=door, minutes=data.validated_data["minutes"], user=acting_user(request))
        except ValueError as exc:
            raise ApiError(409, "locked_down", str(exc)) from None
        return Response(DoorSerializer(door).data)


class LockdownSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ZoneLockdown(generics.GenericAPIView):
    permission_classes = [IsSecurity]
    serializer_class = LockdownSerializer
    queryset = Zone.objects.all()

    @extend_schema(
        summary="Lock down every door of a zone",
        responses=DoorSerializer(many=True),
        description="Kiosks refuse everyone, locks get `lockdown`; audited and alerted.",
    )
    def post(self, request, pk):
        zone = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        doors = zone_lockdown(zone=zone, user=acting_user(request), reason=data.validated_data["reason"])
        return Response(DoorSerializer(Door.objects.filter(pk__in=[d.pk for d in doors]), many=True).data)


class ZoneRelease(generics.GenericAPIView):
    permission_classes = [IsSecurity]
    serializer_class = serializers.Serializer
    queryset = Zone.objects.all()

    @extend_schema(summary="End the lockdown of a zone", request=None, responses=DoorSerializer(many=True))
    def post(self, request, pk):
        doors = zone_lockdown_end(zone=self.get_object(), user=acting_user(request))
        return Response(DoorSerializer(Door.objects.filter(pk__in=[d.pk for d in doors]), many=True).data)


class VerdictSerializer(serializers.Serializer):
    granted = serializers.BooleanField()
    reason = serializers.CharField()
    message = serializers.CharField()
    why = serializers.ListField(child=serializers.CharField())


class Explain(generics.GenericAPIView):
    permission_classes = [IsSecurity]
    serializer_class = VerdictSerializer
    queryset = Door.objects.none()  # for the schema

    @extend_schema(
        summary="May this person open this door then, and why (not)?",
        parameters=[
            OpenApiParameter("person", OpenApiTypes.INT, required=True),
            OpenApiParameter("door", OpenApiTypes.INT, required=True),
            OpenApiParameter(
                "at",
                OpenApiTypes.DATETIME,
                required=True,
                description="Without an offset: wall-clock time in the door's zone.",
            ),
        ],
    )
    def get(self, request):
        query = ExplainQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        door, at = query.validated_data["door"], query.validated_data["at"]
        if at.tzinfo is None:
            at = at.replace(tzinfo=zone_tz(door.zone))
        verdict = access_explain(person=query.validated_data["person"], door=door, at=at)
        return Response(
            {
                "granted": verdict.granted,
                "reason": verdict.reason,
                "message": reason_message(verdict.reason),
                "why": [message_text(sentence) for sentence in verdict.why],
            }
        )


class ExplainQuery(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    door = serializers.PrimaryKeyRelatedField(queryset=Door.objects.select_related("zone"))
    at = serializers.DateTimeField(default_timezone=None)


class OnSiteZoneSerializer(serializers.Serializer):
    zone = serializers.CharField()
    people = serializers.ListField(child=serializers.DictField())
    exit_button_exits = serializers.IntegerField(
        help_text="Exits by a door's exit button since the first listed entry: someone listed may have left."
    )
    forced_open = serializers.ListField(
        child=serializers.DictField(), help_text="Forced openings of the last 24 hours: someone unlisted may be inside."
    )


class OnSite(generics.GenericAPIView):
    permission_classes = [IsSecurity]
    serializer_class = OnSiteZoneSerializer
    pagination_class = None
    queryset = Zone.objects.none()  # for the schema: the answer is built per zone below

    @extend_schema(summary="Who is on site now, per zone", responses=OnSiteZoneSerializer(many=True))
    def get(self, request):
        answer = []
        now = timezone.now()
        for zone in Zone.objects.all():
            inside = zone_on_site(zone=zone, now=now)
            evidence = zone_door_evidence(zone=zone, inside=inside, now=now)
            people = [
                {"person_id": e.person_id, "name": e.person.name, "visitor": bool(e.visitor_id), "since": e.at,
                 "door": e.door.name}
                for e in inside
            ]  # fmt: skip
            forced = [{"door": door, "at": at} for door, at in evidence.forced]
            answer.append(
                {"zone": zone.name, "people": people, "exit_button_exits": evidence.exit_presses, "forced_open": forced}
            )
        return Response(answer)


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = ["id", "at", "kind", "message", "door", "acknowledged_at", "delivery"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["message"] = message_text(instance.message)  # a stored message, in the reader's language
        return data


@extend_schema_view(get=extend_schema(summary="Alerts", description="Newest first."))
class AlertList(generics.ListAPIView):
    permission_classes = [IsSecurity]
    serializer_class = AlertSerializer
    queryset = Alert.objects.order_by("-at", "-id")


class VisitorSerializer(serializers.ModelSerializer):
    host = serializers.PrimaryKeyRelatedField(queryset=Person.objects.filter(visitor=None))
    doors = serializers.PrimaryKeyRelatedField(queryset=Door.objects.all(), many=True)
    photo = serializers.ImageField(write_only=True, help_text="The visitor's face, as for enrollment.")

    class Meta:
        model = Visitor
        fields = [
            "id",
            "name",
            "company",
            "host",
            "doors",
            "valid_from",
            "valid_until",
            "photo",
            "created_at",
            "arrived_at",
            "erased_at",
        ]
        read_only_fields = ["id", "created_at", "arrived_at", "erased_at"]


@extend_schema_view(
    get=extend_schema(summary="Visitors"),
    post=extend_schema(
        summary="Register a visitor",
        description="With one photo (multipart); the pass opens the chosen doors between valid_from and valid_until.",
    ),
)
class VisitorListCreate(generics.ListCreateAPIView):
    permission_classes = [IsReception]
    serializer_class = VisitorSerializer
    queryset = Visitor.objects.select_related("host").prefetch_related("doors").order_by("-valid_from", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            photo = upload_read(data["photo"])
            serializer.instance = visitor_register(
                name=data["name"],
                company=data.get("company", ""),
                host=data["host"],
                doors=data["doors"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                photo=photo,
                user=acting_user(self.request),
                any_door=SECURITY in request_roles(self.request),
                actor=f"token {self.request.auth.name}" if isinstance(self.request.auth, ApiToken) else "",
            )
        except imaging.ImageRejected as exc:
            raise ApiError(400, exc.code, message_text(exc.message)) from None
        except VisitorRefused as exc:
            raise ApiError(400, "visitor_refused", exc.message) from None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(VisitorSerializer(serializer.instance).data, status=status.HTTP_201_CREATED)


class VisitorEnd(generics.GenericAPIView):
    permission_classes = [IsReception]
    serializer_class = serializers.Serializer
    queryset = Visitor.objects.all()

    @extend_schema(
        summary="End a visitor's pass now",
        request=None,
        responses=VisitorSerializer,
        description="Every door refuses the pass from now on (audited); a pass already ended is left as it is.",
    )
    def post(self, request, pk):
        visitor = self.get_object()
        visitor_pass_end(visitor=visitor, user=acting_user(request))
        return Response(VisitorSerializer(visitor).data)
