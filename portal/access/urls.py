from django.urls import path

from portal.access import views

urlpatterns = [
    path("access/", views.doors, name="access-doors"),
    path("access/doors/<int:pk>/unlock/", views.door_unlock, name="access-door-unlock"),
    path("access/zones/<int:pk>/lockdown/", views.zone_lockdown_view, name="access-zone-lockdown"),
    path("access/zones/<int:pk>/release/", views.zone_release_view, name="access-zone-release"),
    path("access/zones/<int:pk>/passback-reset/", views.zone_passback_reset_view, name="access-zone-passback-reset"),
    path("access/alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="access-alert-acknowledge"),
    path("access/explain/", views.explain, name="access-explain"),
    path("access/log/", views.log, name="access-log"),
    path("access/log/export.<str:fmt>", views.log_export, name="access-log-export"),
    path("access/live/", views.live, name="access-live"),
    path("access/on-site/", views.on_site, name="access-on-site"),
    path("access/muster/", views.muster, name="access-muster"),
    path("access/visitors/", views.visitors, name="access-visitors"),
]
