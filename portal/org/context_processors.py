from django.conf import settings
from django.urls import reverse

from portal.org.models import Organization


def organization(request):
    """`organization.name` (blank until set), `organization.logo_url` (blank without a logo) and
    `organization.time_zone` for the header of every page."""
    name, logo = "", ""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        name, logo = Organization.objects.filter(pk=1).values_list("name", "logo").first() or ("", "")
    # the file's own name in the address: a new logo is a new address, never a cached old one
    logo_url = f"{reverse('org-logo')}?v={logo.rsplit('/', 1)[-1]}" if logo else ""
    return {"organization": {"name": name, "logo_url": logo_url, "time_zone": settings.TIME_ZONE}}
