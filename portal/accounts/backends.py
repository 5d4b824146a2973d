"""Model permissions follow the roles, so the Django admin obeys them too.

Without this, a member of the "Admin" group who is not a superuser would need
every model permission granted by hand, and HR managers none of them would
see the people they manage.
"""

from django.contrib.auth.backends import ModelBackend

from portal.accounts.roles import ADMIN, HR, SECURITY, user_roles

# apps whose models HR managers manage; the rest (kiosks, API tokens, users
# and groups) are for admins only
HR_APPS = {"people", "recognition", "attendance", "reports"}
# doors, zones, levels, groups, visitors, the access log: security staff
SECURITY_APPS = {"access"}


class RoleBackend(ModelBackend):
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
