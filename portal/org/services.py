"""Running the organization from the portal: departments, users and roles.

Kiosks and API tokens have their own services (portal.kiosks.services,
portal.api.services); these pages call them too.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.accounts.roles import GROUPS
from portal.attendance.models import Schedule
from portal.org.models import Organization
from portal.people.models import Department


def department_save(
    *, department: Department | None = None, name: str, schedule: dict[str, object] | None = None
) -> Department:
    """Create or rename a department; `schedule` (a dict of Schedule fields)
    gives it its own hours, None leaves it on the organization default."""
    with transaction.atomic():
        department = department or Department()
        department.name = name
        department.full_clean()
        department.save()
        if schedule is not None:
            Schedule.objects.update_or_create(
                department=department, defaults={"name": f"{department.name} hours", **schedule}
            )
    return department


def user_role_set(*, user: User, role: str) -> User:
    """Exactly one of the portal's role groups (or none)."""
    user.groups.remove(*Group.objects.filter(name__in=GROUPS.values()))
    if role:
        user.groups.add(Group.objects.get(name=GROUPS[role]))
    user.__dict__.pop("_role_groups", None)
    return user


def password_set_path(*, user: User) -> str:
    """A link that lets `user` choose a password once: it stops working when
    the password changes (Django's reset tokens hash the password in) or after
    PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password-set", args=[uid, default_token_generator.make_token(user)])


def user_invite(
    *, username: str, email: str = "", role: str, first_name: str = "", last_name: str = ""
) -> tuple[User, str]:
    """A new account with no usable password. Returns (user, set-password path)."""
    with transaction.atomic():
        user = get_user_model()(username=username, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        user_role_set(user=user, role=role)
    return user, password_set_path(user=user)


def user_password_reset(*, user: User) -> str:
    """The old password stops working at once; the new link lets the user choose one."""
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return password_set_path(user=user)


def user_set_active(*, user: User, active: bool) -> User:
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


def organization_logo_set(*, organization: Organization, png: bytes) -> Organization:
    """Store `png` (redrawn by portal.org.logo.logo_clean) as the logo; the file it replaces is deleted."""
    old = organization.logo.name
    with transaction.atomic():
        organization.logo.save(f"logo-{secrets.token_hex(8)}.png", ContentFile(png), save=False)
        organization.save(update_fields=["logo", "updated_at"])
        _delete_after_commit(organization.logo.storage, old)
    return organization


def organization_logo_remove(*, organization: Organization) -> Organization:
    """No logo any more, and its file deleted."""
    old = organization.logo.name
    with transaction.atomic():
        organization.logo = ""
        organization.save(update_fields=["logo", "updated_at"])
        _delete_after_commit(organization.logo.storage, old)
    return organization


def _delete_after_commit(storage: Storage, name: str | None) -> None:
    # after the commit: a rolled-back change must still find its file
    if name:
        transaction.on_commit(lambda: storage.delete(name))
