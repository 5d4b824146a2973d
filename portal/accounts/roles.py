"""The roles of the portal, as Django groups.

- admin: everything (superusers, and members of the "Admin" group);
- hr: people and attendance, corrections, reports; not kiosks or system settings;
- viewer: reads reports only;
- security: doors, zones, access levels, visitors, the access log and muster
  list; not HR's attendance corrections;
- reception: registers visitors, nothing else;
- employee: their own days, requests and clock-in (portal.employees); every
  other role is an employee of itself too, and a user linked to a person is
  one without any group;
- manager: an employee named manager of a department (not a group: the
  naming is per department, portal.employees), who reads the department's
  days and approves its requests; HR may do what managers do, for everyone.

A role includes others (INCLUDES): admin all of them, hr viewer, security
reception. Pages use `role_required`; the API uses the same `has_role`.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ADMIN = "admin"
HR = "hr"
VIEWER = "viewer"
SECURITY = "security"
RECEPTION = "reception"
EMPLOYEE = "employee"
MANAGER = "manager"

# the names of the Django groups: stored in the database, never translated
GROUPS = {
    ADMIN: "Admin",
    HR: "HR manager",
    VIEWER: "Viewer",
    SECURITY: "Security",
    RECEPTION: "Reception",
    EMPLOYEE: "Employee",
}
# what people read
LABELS = {
    ADMIN: gettext_lazy("Admin"),
    HR: gettext_lazy("HR manager"),
    VIEWER: gettext_lazy("Viewer"),
    SECURITY: gettext_lazy("Security"),
    RECEPTION: gettext_lazy("Reception"),
    EMPLOYEE: gettext_lazy("Employee"),
    MANAGER: gettext_lazy("Manager"),
}
INCLUDES = {
    ADMIN: frozenset({*GROUPS, MANAGER}),
    HR: frozenset({HR, VIEWER, MANAGER, EMPLOYEE}),
    VIEWER: frozenset({VIEWER, EMPLOYEE}),
    SECURITY: frozenset({SECURITY, RECEPTION, EMPLOYEE}),
    RECEPTION: frozenset({RECEPTION, EMPLOYEE}),
    MANAGER: frozenset({MANAGER, EMPLOYEE}),
    EMPLOYEE: frozenset({EMPLOYEE}),
}
# strongest first: the one role `user_role` names
ORDER = [ADMIN, HR, SECURITY, VIEWER, RECEPTION, MANAGER, EMPLOYEE]

# functions (user) -> roles that apps above this one add: being linked to a person
# makes an employee, being named a department's manager a manager (portal.employees)
_SOURCES = []


def role_source_register(source):
    """Add a function that gives a user roles that are not groups."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def person_side_only(user):
    """Mark `user` (for this request) as acting through a personal token: only the roles
    of being a person (employee, manager) count, never their groups' or superuser's."""
    user._person_side_only = True
    return user


def role_includes(role, minimum):
    """True if `role` may do what `minimum` may."""
    return role is not None and minimum in INCLUDES[role]


def user_roles(user):
    """Every role a user has, directly or included, as a set."""
    if not user or not user.is_authenticated or not user.is_active:
        return frozenset()
    if getattr(user, "_person_side_only", False):
        person = {role for source in _SOURCES for role in source(user)} & {EMPLOYEE, MANAGER}
        return frozenset(r for role in person for r in INCLUDES[role])
    if user.is_superuser:
        return INCLUDES[ADMIN]
    if not hasattr(user, "_role_groups"):
        user._role_groups = set(user.groups.values_list("name", flat=True))
    roles = set()
    for role, group in GROUPS.items():
        if group in user._role_groups:
            roles |= INCLUDES[role]
    if not hasattr(user, "_role_extra"):
        user._role_extra = {role for source in _SOURCES for role in source(user)}
    for role in user._role_extra:
        roles |= INCLUDES[role]
    return frozenset(roles)


def user_role(user):
    """The strongest role a user has, or None."""
    roles = user_roles(user)
    return next((role for role in ORDER if role in roles), None)


def has_role(user, minimum):
    """True if the user's role is `minimum` or stronger."""
    return minimum in user_roles(user)


def role_required(*minimums):
    """Page decorator: sign in first, then at least one of `minimums`; otherwise 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_role(request.user, minimum) for minimum in minimums):
                raise PermissionDenied(_("Your role does not allow this page."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
