from django.urls import path

from portal.web import views

urlpatterns = [
    path("recognize/", views.recognize, name="recognize"),
    path("recognize/<int:pk>/", views.capture, name="capture"),
    path("recognize/<int:pk>/status/", views.capture_status, name="capture-status"),
    path("media/<path:path>", views.media, name="media"),
    path("healthz", views.healthz, name="healthz"),
]
