from django.urls import path

from portal.clockin import views

urlpatterns = [
    path("me/clock-in/", views.clock_in, name="clock-in"),
    path("org/clock-in/", views.clock_in_settings, name="clockin-settings"),
    path("org/clock-in/sites/<int:pk>/", views.site_edit, name="clockin-site"),
    path("org/clock-in/sites/<int:pk>/delete/", views.site_delete, name="clockin-site-delete"),
    path("org/clock-in/networks/<int:pk>/delete/", views.network_delete, name="clockin-network-delete"),
]
