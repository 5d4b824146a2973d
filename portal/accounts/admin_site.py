from django.contrib.admin import AdminSite

from portal.accounts.roles import HR, SECURITY, has_role


class PortalAdminSite(AdminSite):
    """The Django admin, opened by role rather than by the is_staff flag."""

    site_header = "Attendance portal administration"
    site_title = "Attendance portal"

    def has_permission(self, request):
        return has_role(request.user, HR) or has_role(request.user, SECURITY)
