"""Writing employees' accounts: invitations (an e-mailed link or a printable code),
managers of departments, notifications."""

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portal.employees.mail import absolute_link, email_send
from portal.employees.models import DepartmentManager, EmployeeAccount, InvitationCode, Notification
from portal.people.models import Department, Person

# no 0/O, 1/I/L: read from paper and typed on a phone
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class AccountRefused(ValueError):
    """An invitation or change that cannot be made; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def password_set_path(*, user: User) -> str:
    """The one-time link to choose a password: it stops working once the password
    changes (Django's token hashes it in) or after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password-set", args=[uid, default_token_generator.make_token(user)])


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").upper().encode()).hexdigest()


def _account_create(*, person: Person, email: str, invited_by: User | None) -> User:
    if EmployeeAccount.objects.filter(person=person).exists():
        raise AccountRefused(_("%(name)s already has an account.") % {"name": person.name})
    users = get_user_model()
    username = person.employee_id
    if users.objects.filter(username=username).exists():
        raise AccountRefused(
            _("A user named %(username)s exists already: %(name)s cannot get that user name.")
            % {"username": username, "name": person.name}
        )
    user = users(username=username, email=email, first_name=person.name[:150])
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmployeeAccount.objects.create(person=person, user=user, invited_by=invited_by)
    return user


def employee_invite_email(
    *, person: Person, email: str, invited_by: User | None, request: HttpRequest | None = None
) -> User:
    """An account for `person` and an e-mail with the link to choose a password."""
    email = (email or "").strip()
    if not email:
        raise AccountRefused(_("%(name)s needs an e-mail address for an invitation by e-mail.") % {"name": person.name})
    try:
        validate_email(email)
    except ValidationError:
        raise AccountRefused(
            _("%(email)s is not an e-mail address (%(name)s).") % {"email": email, "name": person.name}
        ) from None
    with transaction.atomic():
        user = _account_create(person=person, email=email, invited_by=invited_by)
        link = absolute_link(password_set_path(user=user), request=request)
        notification_send(user=user, kind=Notification.Kind.INVITATION, link=reverse("me"), email=False)
        transaction.on_commit(
            lambda: email_send(
                user=user,
                template="invitation",
                context={"person": person, "link": link, "days": settings.PASSWORD_RESET_TIMEOUT // 86400},
            )
        )
    return user


def employee_invite_code(*, person: Person, invited_by: User | None) -> tuple[User, str]:
    """An account for `person` and a one-time code to print. Returns (user, code)."""
    with transaction.atomic():
        user = _account_create(person=person, email="", invited_by=invited_by)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        InvitationCode.objects.create(
            user=user,
            code_hash=_code_hash(code),
            expires_at=timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
        )
        notification_send(user=user, kind=Notification.Kind.INVITATION, link=reverse("me"), email=False)
    return user, f"{code[:5]}-{code[5:]}"


def invitation_code_redeem(*, code: str) -> str:
    """Use a printed code once: returns the path to choose a password."""
    with transaction.atomic():
        found = (
            InvitationCode.objects.select_for_update()
            .select_related("user")
            .filter(code_hash=_code_hash(code or ""))
            .first()
        )
        if found is None or found.used_at is not None or found.expires_at < timezone.now():
            raise AccountRefused(_("This code does not work: it is mistyped, used already or too old. Ask HR."))
        if not found.user.is_active:
            raise AccountRefused(_("This account is deactivated. Ask HR."))
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
    return password_set_path(user=found.user)


def manager_add(*, department: Department, person: Person) -> DepartmentManager:
    if not EmployeeAccount.objects.filter(person=person).exists():
        raise AccountRefused(_("%(name)s has no account yet: invite them first.") % {"name": person.name})
    return DepartmentManager.objects.get_or_create(department=department, person=person)[0]


def manager_remove(*, department: Department, person: Person) -> None:
    DepartmentManager.objects.filter(department=department, person=person).delete()


# --- notifications ------------------------------------------------------------------


def notification_send(
    *,
    user: User,
    kind: str,
    params: Mapping[str, object] | None = None,
    translated: Iterable[str] = (),
    link: str = "",
    email: bool = True,
    request: HttpRequest | None = None,
) -> Notification:
    """Tell a user something: in the bell, and by e-mail when they have an address."""
    note = Notification.objects.create(
        user=user, kind=kind, params=params or {}, translated=list(translated), link=link
    )
    if email and user.email:
        url = absolute_link(link, request=request) if link else ""
        transaction.on_commit(
            lambda: email_send(user=user, template="notification", context={"note": note, "link": url})
        )
    return note


def notifications_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark a user's notifications read (all of them, or those ids)."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
