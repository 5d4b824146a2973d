"""Daily summaries and report exports (CSV, XLSX, PDF) with the filters of the
reports page, through portal.attendance.selectors and portal.reports.services."""

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from portal.accounts.roles import ADMIN
from portal.api.captures import PersonRefSerializer
from portal.api.errors import ApiError
from portal.api.filters import MAX_ID
from portal.api.permissions import IsViewer, request_roles
from portal.attendance.models import DailySummary
from portal.attendance.selectors import daily_summary_list
from portal.core.messages import message_text
from portal.core.spreadsheets import wants_bom
from portal.reports.forms import ReportFilterForm
from portal.reports.models import ReportExport
from portal.reports.responses import CONTENT_TYPES, export_file, report_download
from portal.reports.services import report_export_request


class IgnoreAccept(BaseContentNegotiation):
    """File answers are files whatever the client's Accept header; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ReportQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="Default: the first of this month.")
    date_to = serializers.DateField(required=False, help_text="Default: today. At most 366 days after date_from.")
    department = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="Department id.")
    person = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="Person id.")


class ReportExportQuerySerializer(ReportQuerySerializer):
    bom = serializers.BooleanField(
        required=False,
        default=True,
        help_text="CSV only: start with the UTF-8 byte-order mark (Excel needs it to read names right); "
        "false for programs that do not expect one.",
    )


def report_form(request, serializer=ReportQuerySerializer):
    """The reports page's own form, bound to the query; a 400 names what is wrong."""
    query = serializer(data=request.query_params)
    query.is_valid(raise_exception=True)  # ids in range before the form looks them up
    data = QueryDict(mutable=True)
    for key, value in query.validated_data.items():
        if isinstance(value, bool):
            data[key] = "1" if value else "0"
        else:
            data[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    form = ReportFilterForm.from_query(data)
    if not form.is_valid():
        errors = {("non_field_errors" if k == "__all__" else k): v for k, v in form.errors.items()}
        raise serializers.ValidationError(errors)
    return form


class SummarySerializer(serializers.ModelSerializer):
    person = PersonRefSerializer()
    status = serializers.ChoiceField(
        ["present", "worked on a day off", "worked on a holiday", "holiday", "absent", "scheduled", "day off"],
        help_text="As on the reports page.",
    )

    class Meta:
        model = DailySummary
        fields = [
            "id", "person", "day", "status", "scheduled", "holiday", "planned_start", "planned_end",
            "first_in", "last_out", "worked_seconds", "late_minutes", "early_minutes", "missing_checkout",
            "present", "absent", "event_count", "closed", "overtime_seconds",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_view(
    get=extend_schema(
        summary="Daily summaries",
        description="One row per person and day, as the reports page shows them; this month by default.",
        parameters=[ReportQuerySerializer],
    )
)
class SummaryList(generics.ListAPIView):
    permission_classes = [IsViewer]
    serializer_class = SummarySerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DailySummary.objects.none()
        return daily_summary_list(**report_form(self.request).filters())


class ReportExportSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    download = serializers.SerializerMethodField(help_text="The file's address once the export is done.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportExport
        fields = ["id", "url", "format", "status", "rows_done", "rows_total", "percent", "error", "download",
                  "created_at", "finished_at"]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["error"] = message_text(instance.error)  # a stored message, in the request's language
        return data

    def get_download(self, export) -> str | None:
        if export.status != ReportExport.Status.DONE:
            return None
        return reverse("api:report-export-download", args=[export.pk], request=self.context.get("request"))

    def get_url(self, export) -> str:
        return reverse("api:report-export-detail", args=[export.pk], request=self.context.get("request"))


def account(request):
    """The user account a request acts for: the signed-in user, or the admin who made the token."""
    if getattr(request.user, "_meta", None):
        return request.user
    token = getattr(request.user, "token", None)
    return token.created_by if token else None


class ReportExportCreate(APIView):
    permission_classes = [IsViewer]
    content_negotiation_class = IgnoreAccept

    @extend_schema(
        summary="Export a report",
        description="The rows the same filters give on the reports page. Up to REPORT_EXPORT_INLINE_ROWS rows "
        "the file comes at once (200); more are written by a worker: 202 with the export to follow.",
        parameters=[ReportExportQuerySerializer],
        responses={
            (200, CONTENT_TYPES["csv"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["pdf"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["zip"]): OpenApiTypes.BINARY,
            202: ReportExportSerializer,
        },
    )
    def get(self, request, fmt):
        form = report_form(request, ReportExportQuerySerializer)
        filters = form.filters()
        count = daily_summary_list(**filters).count()
        if count > settings.REPORT_EXPORT_INLINE_ROWS:
            owner = account(request)
            if owner is None:
                raise ApiError(
                    400, "export_needs_owner",
                    f"{count} rows are more than are exported at once; narrow the filters, or use a token "
                    "made by an admin (a large export belongs to that admin).",
                )  # fmt: skip
            export = report_export_request(user=owner, fmt=fmt, query=form.data, rows_total=count)
            data = ReportExportSerializer(export, context={"request": request}).data
            return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})
        # small: answered at once, as the page does
        return report_download(fmt=fmt, filters=filters, bom=wants_bom(form.data))


def own_export(request, pk):
    export = generics.get_object_or_404(ReportExport, pk=pk)
    if export.user_id != getattr(account(request), "pk", None) and ADMIN not in request_roles(request):
        raise ApiError(403, "permission_denied", _("This export belongs to someone else."))
    return export


class ReportExportDetail(APIView):
    permission_classes = [IsViewer]

    @extend_schema(summary="A large export's progress", responses={200: ReportExportSerializer})
    def get(self, request, pk):
        export = own_export(request, pk)
        return Response(ReportExportSerializer(export, context={"request": request}).data)


class ReportExportDownload(APIView):
    permission_classes = [IsViewer]
    content_negotiation_class = IgnoreAccept

    @extend_schema(
        summary="A finished export's file",
        responses={
            (200, CONTENT_TYPES["csv"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["pdf"]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["zip"]): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, pk):
        export = own_export(request, pk)
        if export.status != ReportExport.Status.DONE or not export.file:
            raise ApiError(404, "not_ready", _("This export is not ready; follow its progress first."))
        return export_file(export)
