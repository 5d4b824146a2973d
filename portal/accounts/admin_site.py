from django.contrib.admin import AdminSite, ModelAdmin
from django.utils.translation import gettext_lazy

from portal.accounts.forms import AdminLoginForm


class PortalAdminSite(AdminSite):
    """The Django admin, for superusers only: everyone else runs the
    organization from the portal's own pages (portal.org), which keep the
    portal's look, rules and audit trail."""

    site_header = gettext_lazy("Attendance portal administration")
    site_title = gettext_lazy("Attendance portal")
    login_form = AdminLoginForm

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class ReadOnlyAdmin(ModelAdmin):
    """Rows the admin lists and shows but never adds, changes or deletes: they change only
    through the portal's services (a correction, a recomputation, a door's decision)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
