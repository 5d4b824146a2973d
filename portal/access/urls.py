from django.urls import path

from portal.access import setup_views, views

urlpatterns = [
    path("access/", views.doors, name="access-doors"),
    path("access/doors/states/", views.door_states_view, name="access-door-states"),
    path("access/doors/<int:pk>/unlock/", views.door_unlock, name="access-door-unlock"),
    path("access/doors/<int:pk>/visitors/", views.door_visitors, name="access-door-visitors"),
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
    path("access/setup/", setup_views.setup, name="access-setup"),
    path("access/zones/new/", setup_views.zone_edit, name="access-zone-new"),
    path("access/zones/<int:pk>/", setup_views.zone_edit, name="access-zone"),
    path("access/doors/new/", setup_views.door_edit, name="access-door-new"),
    path("access/doors/<int:pk>/", setup_views.door_edit, name="access-door"),
    path("access/levels/new/", setup_views.level_edit, name="access-level-new"),
    path("access/levels/<int:pk>/", setup_views.level_edit, name="access-level"),
    path("access/groups/new/", setup_views.group_edit, name="access-group-new"),
    path("access/groups/<int:pk>/", setup_views.group_edit, name="access-group"),
    path("access/readers/", setup_views.readers, name="access-readers"),
    path("access/readers/<int:pk>/", setup_views.reader, name="access-reader"),
    path("access/pins/", setup_views.pins, name="access-pins"),
    path("access/pins/<int:pk>/remove/", setup_views.pin_remove, name="access-pin-remove"),
]
