"""The page roles (portal.accounts.roles) applied to API requests.

A token's role is its own; a signed-in browser user has the role of their
groups. Anything else (a kiosk's credentials, a user without a role) has none.
"""

from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from portal.accounts.roles import ADMIN, EMPLOYEE, HR, INCLUDES, RECEPTION, SECURITY, VIEWER, role_includes, user_roles
from portal.api.models import ApiToken


def request_roles(request):
    """Every role the request has (a token's own role, or the user's)."""
    if isinstance(request.auth, ApiToken):
        return {role for role in INCLUDES if role_includes(request.auth.role, role)}
    if request.auth is not None:
        return set()  # credentials of another kind (a kiosk): no role here
    return set(user_roles(request.user))


class _RoleAtLeast(BasePermission):
    minimum = ADMIN
    message = gettext_lazy("Your role does not allow this.")

    def has_permission(self, request, view):
        return self.minimum in request_roles(request)


class IsAdmin(_RoleAtLeast):
    minimum = ADMIN
    message = gettext_lazy("Only an admin may do this.")


class HasARole(_RoleAtLeast):
    """Anyone the portal knows: every role includes the employee's (the API's own description)."""

    minimum = EMPLOYEE
    message = gettext_lazy("Sign in with an account or a token that has a role to read this.")


class IsHR(_RoleAtLeast):
    minimum = HR
    message = gettext_lazy("Only HR managers and admins may do this.")


class IsViewer(_RoleAtLeast):
    minimum = VIEWER
    message = gettext_lazy("Your account has no role; ask an admin to give you one.")


class IsSecurity(_RoleAtLeast):
    minimum = SECURITY
    message = gettext_lazy("Only security staff and admins may do this.")


class IsReception(_RoleAtLeast):
    minimum = RECEPTION
    message = gettext_lazy("Only reception, security staff and admins may do this.")
