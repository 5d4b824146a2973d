from django.contrib import admin

from portal.attendance.models import AttendanceEvent


@admin.register(AttendanceEvent)
class AttendanceEventAdmin(admin.ModelAdmin):
    list_display = ["at", "person", "direction", "source", "distance"]
    list_filter = ["direction", "source"]
    search_fields = ["person__name", "person__employee_id"]
    date_hierarchy = "at"
    list_select_related = ["person"]
    raw_id_fields = ["person", "capture"]
