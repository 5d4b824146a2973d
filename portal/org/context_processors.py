from django.conf import settings

from portal.org.models import Organization


def organization(request):
    """`organization.name` (blank until set) and `organization.time_zone` for the header of every page."""
    name = ""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        name = Organization.objects.filter(pk=1).values_list("name", flat=True).first() or ""
    return {"organization": {"name": name, "time_zone": settings.TIME_ZONE}}
