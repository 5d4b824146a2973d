from django.urls import path

from portal.cameras import views

urlpatterns = [
    path("", views.cameras, name="cameras"),
    path("new/", views.camera_new, name="camera-new"),
    path("health/", views.cameras_health, name="cameras-health"),
    path("<int:pk>/", views.camera_detail, name="camera"),
    path("<int:pk>/picture", views.camera_picture, name="camera-picture"),
    path("<int:pk>/delete/", views.camera_delete, name="camera-delete"),
]
