"""Visitors: a pass on chosen doors for hours or days, and the erasure of their face after it.

A visitor's face is enrolled like anyone's (an identity in the gallery, the
same photo checks), so the kiosk recognizes them; the door decision then
reads their pass instead of access groups. After VISITOR_RETENTION_DAYS past
the pass, the photos and encodings are deleted and the gallery identity with
them, and so is every kiosk or camera picture of their face
(portal.people.erasure); the Visitor row stays as the audit trail (who, host,
when, which doors), without biometrics.
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
from portal.access.tasks import visitor_arrival_notify
from portal.core.messages import message_date, message_datetime
from portal.employees.models import EmployeeAccount, Notification
from portal.employees.services import notification_send
from portal.people.erasure import person_pictures_erase
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
        _host_tell(visitor, Notification.Kind.VISITOR_REGISTERED, doors=", ".join(door.name for door in doors))
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
                start=message_datetime(timezone.localtime(valid_from)),
                until=message_datetime(timezone.localtime(valid_until)),
            ),
        )
    return visitor


def _host_tell(visitor, kind, **params):
    """Tell the visitor's host (their bell, and an e-mail when they have an address): only a
    host with an account can be told. Returns the notification, or None."""
    account = EmployeeAccount.objects.filter(person_id=visitor.host_id).select_related("user").first()
    if account is None or not account.user.is_active:
        return None
    times = {
        # as messages: the host reads them in their own date format
        "start": message_datetime(timezone.localtime(visitor.valid_from)).as_json(),
        "until": message_datetime(timezone.localtime(visitor.valid_until)).as_json(),
    }
    return notification_send(
        user=account.user,
        kind=kind,
        params={"visitor": visitor.name + (f" ({visitor.company})" if visitor.company else ""), **times, **params},
    )


def visitor_arrival_claim(*, visitor, event):
    """In the door decision's transaction: the first granted passage of a pass marks its arrival.
    True once per pass (a conditional update: two doors at once still tell the host once)."""
    claimed = Visitor.objects.filter(pk=visitor.pk, arrived_at=None).update(arrived_at=event.at)
    if claimed:
        # the e-mail leaves from a worker after the commit: the door's answer never waits for a mail server
        transaction.on_commit(lambda: _arrival_enqueue(event.pk))
    return bool(claimed)


def _arrival_enqueue(event_id):
    try:
        visitor_arrival_notify.delay(event_id)
    except Exception as exc:  # noqa: BLE001 - the broker is down: the door's decision stands, the host is not told
        log.warning("visitor arrival %s: the host's notice was not queued (%s)", event_id, exc)


def visitor_arrival_tell(*, event_id):
    event = AccessEvent.objects.select_related("visitor", "door").filter(pk=event_id).first()
    if event is None or event.visitor is None:
        return None
    at = f"{timezone.localtime(event.at):%H:%M}"
    return _host_tell(event.visitor, Notification.Kind.VISITOR_ARRIVED, door=event.door.name, at=at)


def visitor_pass_end(*, visitor, user):
    """End a pass now: every door refuses it from this moment (its face stays until the usual erasure)."""
    now = timezone.now()
    with transaction.atomic():
        ended = Visitor.objects.filter(pk=visitor.pk, valid_until__gt=now).update(valid_until=now, ended_by=user)
        if ended:
            host = visitor.host.name if visitor.host else "-"
            until = message_datetime(timezone.localtime(now))
            OperatorAction.objects.create(
                user=user,
                username=user.get_username() if user else "system",
                action=texts.VISITOR_ENDED,
                detail=texts.fill(texts.VISITOR_DETAIL, name=visitor.name, host=host, until=until),
            )
    visitor.refresh_from_db()
    return bool(ended)


def visitors_erase(*, now=None, days=None):
    """Erase the faces of visitors whose pass ended more than `days` ago. Returns how many."""
    days = settings.VISITOR_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    erased = 0
    for visitor in Visitor.objects.filter(valid_until__lt=cutoff, erased_at=None).select_related("person"):
        with transaction.atomic():
            person = visitor.person
            if person is not None:
                # their face at the kiosks and cameras too (kept 30 days, longer than the pass's 7),
                # and their name in the capture results
                person_pictures_erase(person=person)
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
                    texts.VISITOR_ERASED_DETAIL,
                    name=visitor.name,
                    day=message_date(timezone.localtime(visitor.valid_until)),
                ),
            )
        erased += 1
    if erased:
        log.info("erased the faces of %d visitors", erased)
    return erased
