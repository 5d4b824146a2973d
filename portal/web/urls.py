from django.urls import path

from portal.web import encodings, videos, views

urlpatterns = [
    path("recognize/", views.recognize, name="recognize"),
    path("recognize/<int:pk>/", views.capture, name="capture"),
    path("recognize/<int:pk>/status/", views.capture_status, name="capture-status"),
    path("recognize/videos/", videos.video_recognize, name="video-recognize"),
    path("recognize/videos/<int:pk>/", videos.video_page, name="video"),
    path("recognize/videos/<int:pk>/status/", videos.video_status, name="video-status"),
    path("media/videos/<int:pk>/faces/<int:face_pk>", videos.media_video_face, name="media-video-face"),
    path("encodings/", encodings.encodings, name="encodings"),
    path("encodings/reencode/", encodings.encodings_reencode, name="encodings-reencode"),
    path("encodings/jobs/<int:pk>/status/", encodings.encodings_job_status, name="encodings-job-status"),
    path("media/photos/<int:pk>", views.media_photo, name="media-photo"),
    path("media/captures/<int:pk>/<str:kind>", views.media_capture, name="media-capture"),
    path("media/captures/<int:pk>/frames/<int:index>", views.media_capture_frame, name="media-capture-frame"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
]
