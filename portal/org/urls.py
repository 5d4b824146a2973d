from django.urls import path

from portal.org import views

urlpatterns = [
    path("", views.overview, name="org"),
    path("settings/", views.organization_settings, name="org-settings"),
    path("logo/", views.organization_logo, name="org-logo"),
    path("departments/", views.departments, name="org-departments"),
    path("departments/new/", views.department_edit, name="org-department-new"),
    path("departments/<int:pk>/", views.department_edit, name="org-department"),
    path("users/", views.users, name="org-users"),
    path("users/invite/", views.user_invite, name="org-user-invite"),
    path("users/<int:pk>/", views.user_edit, name="org-user"),
    path("users/<int:pk>/active/", views.user_active, name="org-user-active"),
    path("users/<int:pk>/password/", views.user_password, name="org-user-password"),
    path("kiosks/", views.kiosks, name="org-kiosks"),
    path("kiosks/new/", views.kiosk_new, name="org-kiosk-new"),
    path("kiosks/<int:pk>/", views.kiosk_detail, name="org-kiosk"),
    path("kiosks/<int:pk>/pair/", views.kiosk_pair, name="org-kiosk-pair"),
    path("kiosks/<int:pk>/revoke/", views.kiosk_revoke_view, name="org-kiosk-revoke"),
    path("tokens/", views.tokens, name="org-tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="org-token-revoke"),
]
