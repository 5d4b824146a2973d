from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's role-based site."""

    default_site = "portal.accounts.admin_site.PortalAdminSite"
