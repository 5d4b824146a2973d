from django.urls import path

from portal.kiosks import views

urlpatterns = [
    path("", views.kiosk_page, name="kiosk"),
    path("pair/", views.pair_page, name="kiosk-pair"),
    path("pair/<str:code>/", views.pair_page, name="kiosk-pair-code"),
    path("api/pair", views.api_pair, name="kiosk-api-pair"),
    path("api/config", views.api_config, name="kiosk-api-config"),
    path("api/badge", views.api_badge, name="kiosk-api-badge"),
    path("api/challenge", views.api_challenge, name="kiosk-api-challenge"),
    path("api/captures", views.api_capture_submit, name="kiosk-api-captures"),
    path("api/captures/<str:client_id>", views.api_capture, name="kiosk-api-capture"),
]
