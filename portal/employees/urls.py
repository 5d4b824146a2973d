from django.urls import path

from portal.employees import me, views

urlpatterns = [
    path("accounts/forgot/", views.password_forgot, name="password-forgot"),
    path("accounts/forgot/sent/", views.password_forgot_done, name="password-forgot-done"),
    path("accounts/code/", views.invitation_code, name="invitation-code"),
    path("me/", me.me, name="me"),
    path("me/month.pdf", me.me_pdf, name="me-pdf"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("employees/accounts/", views.accounts, name="employees-accounts"),
    path("employees/managers/", views.managers, name="employees-managers"),
    path("employees/managers/<int:pk>/remove/", views.manager_remove, name="employees-manager-remove"),
    path("employees/outbox/", views.outbox, name="mail-outbox"),
]
