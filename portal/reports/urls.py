from django.urls import path

from portal.reports import views

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("dashboard/live/", views.dashboard_live, name="dashboard-live"),
    path("reports/", views.reports, name="reports"),
    path("reports/timesheet/", views.timesheet, name="reports-timesheet"),
    path("reports/monthly/", views.monthly_report, name="reports-monthly"),
    path("reports/monthly/export.<str:fmt>", views.monthly_export, name="reports-monthly-export"),
    path("reports/export.<str:fmt>", views.report_export, name="report-export"),
    path("reports/exports/<int:pk>/", views.report_export_status, name="report-export-status"),
    path("reports/exports/<int:pk>/progress/", views.report_export_progress, name="report-export-progress"),
    path("reports/exports/<int:pk>/download/", views.report_export_download, name="report-export-download"),
]
