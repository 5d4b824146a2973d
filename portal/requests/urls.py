from django.urls import path

from portal.requests import team, views

urlpatterns = [
    path("me/requests/", views.my_requests, name="requests-mine"),
    path("me/requests/new/<str:kind>/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request-decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("requests/<int:pk>/attachment/", views.request_attachment, name="request-attachment"),
    path("requests/", views.team_requests, name="requests-team"),
    path("requests/settings/", views.settings_page, name="requests-settings"),
    path("team/", team.team, name="team"),
    path("team/<int:person_id>/", team.team_person, name="team-person"),
]
