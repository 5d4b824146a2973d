from django.contrib import admin

from portal.accounts.roles import ADMIN, has_role
from recognition.models import Capture


@admin.register(Capture)
class CaptureAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "source", "status", "submitted_by", "error"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in Capture._meta.fields]

    def get_queryset(self, request):
        # kiosk attempts belong with the kiosks: admins only
        queryset = super().get_queryset(request)
        return queryset if has_role(request.user, ADMIN) else queryset.filter(kiosk__isnull=True)

    def has_add_permission(self, request):
        return False

    # every capture is kept (attendance events point at it, the kiosk's log is
    # its attempts); pictures go by retention, names by a person's erasure
    def has_delete_permission(self, request, obj=None):
        return False
