from django.contrib.auth import views as auth_views
from django.urls import reverse

from portal.accounts.roles import EMPLOYEE, RECEPTION, SECURITY, VIEWER, has_role


def start_page(user):
    """Where a role starts: the dashboard, or for security staff and reception (who do not
    read reports) their own pages."""
    if has_role(user, VIEWER):
        return reverse("home")
    if has_role(user, SECURITY):
        return reverse("access-doors")
    if has_role(user, RECEPTION):
        return reverse("access-visitors")
    if has_role(user, EMPLOYEE):
        return reverse("me")
    return reverse("home")


class RoleLoginView(auth_views.LoginView):
    def get_default_redirect_url(self):
        return start_page(self.request.user)
