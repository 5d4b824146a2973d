"""Visitors: a pass on chosen doors for hours or days, and the erasure of their face after it.

A visitor's face is enrolled like anyone's (an identity in the gallery, the
same photo checks), so the kiosk recognizes them; the door decision then
reads their pass instead of access groups. After VISITOR_RETENTION_DAYS past
the pass, the photos and encodings are deleted and the gallery identity with
them; the Visitor row stays as the audit trail (who, host, when, which doors),
without biometrics.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import texts
from portal.access.models import AccessEvent, OperatorAction, Visitor
from portal.people.models import Person
from recognition.services import person_photo_add

log = logging.getLogger(__name__)


class VisitorRefused(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def visitor_pass_check(*, doors, valid_from, valid_until, any_door, now=None):
    """Refuse (VisitorRefused) a pass outside the policy security set on its doors; the page, the API and
    the review list all register through here, so none of them can grant more than another.

    - the period runs forwards and has not ended yet;
    - it is no longer than the shortest `visitor_max_hours` of its doors;
    - without `any_door` (a registrant below security: reception), every door is a visitor door.
    """
    now = now or timezone.now()
    if valid_until <= valid_from:
        raise VisitorRefused(_("The pass must end after it starts."))
    if valid_until <= now:
        raise VisitorRefused(_("The pass would end before now: choose a period that has not ended yet."))
    if not doors:
        raise VisitorRefused(_("Choose at least one door."))
    if not any_door:
        closed = [door.name for door in doors if not door.visitor_door]
        if closed:
            raise VisitorRefused(
                _("Reception may not give a pass to %(doors)s: security has not made them visitor doors.")
                % {"doors": ", ".join(closed)}
            )
    longest = min(door.visitor_max_hours for door in doors)
    if valid_until - valid_from > timedelta(hours=longest):
        raise VisitorRefused(
            _("A visitor pass to these doors lasts at most %(hours)s hours (set by security for each door).")
            % {"hours": longest}
        )


def visitor_register(
    *, name, host, doors, valid_from, valid_until, photo, user=None, company="", any_door=False, actor="", now=None
):
    """Register a visitor with one photo; the photo is encoded by a worker like an enrollment photo.

    any_door: the registrant is security staff (or an admin), who may give doors that are not visitor doors.
    actor: who registers, for the audit trail, when there is no user (an API token's name).
    """
    doors = list(doors)
    visitor_pass_check(doors=doors, valid_from=valid_from, valid_until=valid_until, any_door=any_door, now=now)
    with transaction.atomic():
        person = Person.objects.create(name=name, employee_id=f"visitor-{uuid.uuid4().hex[:12]}")
        visitor = Visitor.objects.create(
            name=name,
            company=company,
            host=host,
            person=person,
            valid_from=valid_from,
            valid_until=valid_until,
            created_by=user,
        )
        visitor.doors.set(doors)
        person_photo_add(person=person, data=photo, filename="visitor.jpg")
        # every pass is in the audit trail: who gave it, to whom, which doors, from when until when
        OperatorAction.objects.create(
            user=user,
            username=user.get_username() if user else (actor or "system"),
            action=texts.VISITOR_REGISTERED,
            detail=texts.fill(
                texts.VISITOR_PASS_DETAIL,
                name=name,
                host=host.name if host else "-",
                doors=", ".join(door.name for door in doors),
                start=f"{timezone.localtime(valid_from):%Y-%m-%d %H:%M}",
                until=f"{timezone.localtime(valid_until):%Y-%m-%d %H:%M}",
            )[:300],
        )
    return visitor


def visitors_erase(*, now=None, days=None):
    """Erase the faces of visitors whose pass ended more than `days` ago. Returns how many."""
    days = settings.VISITOR_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    erased = 0
    for visitor in Visitor.objects.filter(valid_until__lt=cutoff, erased_at=None).select_related("person"):
        with transaction.atomic():
            person = visitor.person
            if person is not None:
                # the access log keeps the visit, pointing at the pass instead of the gallery identity
                AccessEvent.objects.filter(person=person).update(person=None)
                for photo in person.photos.all():
                    photo.delete()  # the file goes after commit, the gallery is bumped (recognition.signals)
                person.delete()
            Visitor.objects.filter(pk=visitor.pk).update(erased_at=timezone.now(), person=None)
            OperatorAction.objects.create(
                username="system",
                action=texts.VISITOR_ERASED,
                detail=texts.fill(
                    texts.VISITOR_ERASED_DETAIL, name=visitor.name, day=f"{visitor.valid_until:%Y-%m-%d}"
                ),
            )
        erased += 1
    if erased:
        log.info("erased the faces of %d visitors", erased)
    return erased
