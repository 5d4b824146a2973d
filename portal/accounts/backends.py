"""Model permissions follow the roles, so the Django admin obeys them too.

Without this, a member of the "Admin" group who is not a superuser would need
every model permission granted by hand, and HR managers none of them would
see the people they manage.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from portal.accounts.roles import ADMIN, HR, SECURITY, user_roles
from portal.accounts.throttling import login_wait

# apps whose models HR managers manage; the rest (kiosks, API tokens, users
# and groups) are for admins only
HR_APPS = {"people", "recognition", "attendance", "reports"}
# doors, zones, levels, groups, visitors, the access log: security staff
SECURITY_APPS = {"access"}


class RoleBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # past the failure limit even the right password is refused (a guess
        # that happens to be right must not get in); the login forms say why
        if request is not None and login_wait(request, username or kwargs.get("username")):
            raise PermissionDenied(_("Too many failed sign-ins."))
        return super().authenticate(request, username=username, password=password, **kwargs)

    def has_perm(self, user_obj, perm, obj=None):
        if self._role_allows(user_obj, perm.split(".", 1)[0]):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return self._role_allows(user_obj, app_label) or super().has_module_perms(user_obj, app_label)

    @staticmethod
    def _role_allows(user, app_label):
        roles = user_roles(user)
        return (
            ADMIN in roles
            or (HR in roles and app_label in HR_APPS)
            or (SECURITY in roles and app_label in SECURITY_APPS)
        )
