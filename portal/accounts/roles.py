"""The three roles of the portal, as Django groups.

- admin: everything (superusers, and members of the "Admin" group);
- hr: people and attendance, corrections, reports; not kiosks or system settings;
- viewer: reads reports only.

Pages use `role_required`; the API uses the same `has_role`.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

ADMIN = "admin"
HR = "hr"
VIEWER = "viewer"

GROUPS = {ADMIN: "Admin", HR: "HR manager", VIEWER: "Viewer"}
# a role includes the ones after it
RANK = {ADMIN: 3, HR: 2, VIEWER: 1}


def user_role(user):
    """The strongest role a user has, or None."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True)) if not hasattr(user, "_role_groups") else user._role_groups
    user._role_groups = names
    for role in (ADMIN, HR, VIEWER):
        if GROUPS[role] in names:
            return role
    return None


def has_role(user, minimum):
    """True if the user's role is `minimum` or stronger."""
    role = user_role(user)
    return role is not None and RANK[role] >= RANK[minimum]


def role_required(minimum):
    """Page decorator: sign in first, then at least `minimum`; otherwise 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, minimum):
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
