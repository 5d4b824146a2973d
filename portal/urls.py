from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.accounts.language import language_set

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", language_set, name="language-set"),
    path("admin/", admin.site.urls),
    path("people/", include("portal.people.urls")),
    path("kiosk/", include("portal.kiosks.urls")),
    path("api/", include("portal.api.urls")),
    path("", include("portal.attendance.urls")),
    path("", include("portal.reports.urls")),
    path("", include("portal.web.urls")),
]
