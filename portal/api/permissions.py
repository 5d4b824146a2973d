"""The page roles (portal.accounts.roles) applied to API requests.

A token's role is its own; a signed-in browser user has the role of their
groups. Anything else (a kiosk's credentials, a user without a role) has none.
"""

from rest_framework.permissions import BasePermission

from portal.accounts.roles import ADMIN, HR, RANK, VIEWER, user_role
from portal.api.models import ApiToken


def request_role(request):
    if isinstance(request.auth, ApiToken):
        return request.auth.role
    if request.auth is not None:
        return None  # credentials of another kind (a kiosk): no role here
    return user_role(request.user)


class _RoleAtLeast(BasePermission):
    minimum = ADMIN
    message = "Your role does not allow this."

    def has_permission(self, request, view):
        role = request_role(request)
        return role is not None and RANK[role] >= RANK[self.minimum]


class IsAdmin(_RoleAtLeast):
    minimum = ADMIN
    message = "Only an admin may do this."


class IsHR(_RoleAtLeast):
    minimum = HR
    message = "Only HR managers and admins may do this."


class IsViewer(_RoleAtLeast):
    minimum = VIEWER
    message = "Your account has no role; ask an admin to give you one."
