from django.urls import path

from portal.attendance import views

urlpatterns = [
    path("attendance/", views.attendance, name="attendance"),
    path("attendance/export.csv", views.attendance_csv, name="attendance-csv"),
    path("attendance/day/<int:person_pk>/<str:day>/", views.attendance_day, name="attendance-day"),
    path("attendance/day/<int:person_pk>/<str:day>/add/", views.attendance_event_add_view, name="attendance-event-add"),
    path("attendance/events/<int:pk>/change/", views.attendance_event_change_view, name="attendance-event-change"),
    path("attendance/events/<int:pk>/void/", views.attendance_event_void_view, name="attendance-event-void"),
    path("attendance/schedules/", views.schedules, name="attendance-schedules"),
    path("attendance/schedules/new/", views.schedule_edit, name="attendance-schedule-new"),
    path("attendance/schedules/<int:pk>/", views.schedule_edit, name="attendance-schedule-edit"),
    path("attendance/calendar/", views.calendar, name="attendance-calendar"),
    path("attendance/calendar/import/", views.calendar_import_view, name="attendance-calendar-import"),
    path("attendance/calendar/<int:pk>/delete/", views.calendar_day_delete, name="attendance-calendar-delete"),
]
