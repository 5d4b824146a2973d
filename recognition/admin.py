from django.contrib import admin

from recognition.models import Capture


@admin.register(Capture)
class CaptureAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "source", "status", "submitted_by", "error"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in Capture._meta.fields]

    def has_add_permission(self, request):
        return False
