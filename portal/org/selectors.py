"""Reading the organization's settings (portal.org.models) for the pages, PDFs and exports."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.roles import ADMIN, HR, has_role
from portal.attendance.models import AttendanceEvent, CalendarDay
from portal.kiosks.models import Kiosk
from portal.org.models import Organization
from portal.people.models import Department, Person
from recognition.models import FacePhoto

DEFAULT_NAME = "Attendance portal"  # settings.ORGANIZATION_NAME's default


def organization_name() -> str:
    """The name set on the settings page, or ORGANIZATION_NAME from the environment until one is."""
    name = Organization.objects.filter(pk=1).values_list("name", flat=True).first()
    if name:
        return name
    if settings.ORGANIZATION_NAME == DEFAULT_NAME:
        # nobody named it: the portal's own name, in the reader's language ("Attendance portal：考勤表"
        # headed Chinese PDFs)
        return _("Attendance portal")
    return settings.ORGANIZATION_NAME


def organization_logo() -> bytes | None:
    """The logo's PNG bytes for the PDFs, or None without one (or when its file is gone)."""
    organization = Organization.objects.filter(pk=1).first()
    if organization is None or not organization.logo:
        return None
    try:
        with organization.logo.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, ValueError):
        return None


def first_day_steps(user: User) -> list[tuple[str, str, bool]] | None:
    """The first-day checklist for an empty dashboard: (text, URL, done) in the order to do them.

    None once the portal is in use (an attendance event recorded): the list is for the first
    day, not a nag. Steps a user's role cannot take are left out.
    """
    if not has_role(user, HR) or AttendanceEvent.objects.exists():
        return None
    admin = has_role(user, ADMIN)
    steps = [
        (_("Name the organization and check its time zone"), reverse("org-settings"),
         Organization.objects.exclude(name="").exists(), admin),
        (_("Add the departments and their working hours"), reverse("org-departments"),
         Department.objects.exists(), True),
        (_("Add people with a photo each (one by one, or a ZIP of folders)"), reverse("people:directory"),
         FacePhoto.objects.filter(person__in=Person.objects.staff(), status=FacePhoto.Status.ACCEPTED).exists(), True),
        (_("Import the public holidays"), reverse("attendance-calendar"),
         _calendar_filled(), True),
        (_("Add a kiosk by the door and pair its tablet"), reverse("org-kiosks"),
         Kiosk.objects.exclude(token_hash="").exists(), admin),
        (_("Invite the people who use the portal (HR, viewers, security)"), reverse("org-users"),
         get_user_model().objects.count() > 1, admin),
    ]  # fmt: skip
    return [(text, url, done) for text, url, done, allowed in steps if allowed]


def _calendar_filled() -> bool:
    return CalendarDay.objects.exists()
