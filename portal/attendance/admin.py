from django.contrib import admin

from portal.accounts.admin_site import ReadOnlyAdmin
from portal.attendance.models import AttendanceEvent, DailySummary, EventCorrection, Schedule


# events change only through corrections (with a reason and an audit trail, on the
# person's day page); summaries only by recomputation
@admin.register(AttendanceEvent)
class AttendanceEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "person", "direction", "source", "distance", "voided"]
    list_filter = ["direction", "source", "voided"]
    search_fields = ["person__name", "person__employee_id"]
    date_hierarchy = "at"
    list_select_related = ["person"]


@admin.register(EventCorrection)
class EventCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "event", "reason"]
    list_filter = ["action"]
    list_select_related = ["event", "event__person"]


@admin.register(DailySummary)
class DailySummaryAdmin(ReadOnlyAdmin):
    list_display = ["day", "person", "first_in", "last_out", "worked_seconds", "late_minutes", "absent", "closed"]
    list_filter = ["absent", "missing_checkout", "closed"]
    search_fields = ["person__name", "person__employee_id"]
    date_hierarchy = "day"
    list_select_related = ["person"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "start", "end", "grace_minutes"]
    raw_id_fields = ["person"]
