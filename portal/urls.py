from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from portal.accounts.forms import LoginForm
from portal.accounts.language import javascript_catalog, language_set
from portal.accounts.views import RoleLoginView
from portal.api import personal

urlpatterns = [
    path("accounts/login/", RoleLoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # the one-time link of an invitation or a password reset (portal.org.services)
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_set.html", success_url=reverse_lazy("password-set-done")
        ),
        name="password-set",
    ),
    path(
        "accounts/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_set_done.html"),
        name="password-set-done",
    ),
    # everyone signed in changes their own password (the old one first)
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html", success_url=reverse_lazy("password-change-done")
        ),
        name="password-change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password-change-done",
    ),
    path("org/", include("portal.org.urls")),
    path("language/", language_set, name="language-set"),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("people/", include("portal.people.urls")),
    path("kiosk/", include("portal.kiosks.urls")),
    path("cameras/", include("portal.cameras.urls")),
    path("api/", include("portal.api.urls")),
    # a person's own API tokens (an employee's sees only their own data)
    path("me/tokens/", personal.tokens, name="me-tokens"),
    path("me/tokens/<int:pk>/revoke/", personal.token_revoke, name="me-token-revoke"),
    path("", include("portal.employees.urls")),
    path("", include("portal.requests.urls")),
    path("", include("portal.clockin.urls")),
    path("", include("portal.access.urls")),
    path("", include("portal.attendance.urls")),
    path("", include("portal.reports.urls")),
    path("", include("portal.review.urls")),
    path("", include("portal.web.urls")),
]

handler500 = "portal.recovery.outage.server_error"
