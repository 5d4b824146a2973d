"""Writing Security's setup: zones, doors, access levels and their weekly windows, groups,
readers and badge PINs, each change kept in the operators' audit trail."""

from django.db import transaction

from portal.access import texts
from portal.access.models import AccessLevel, BadgePin, OperatorAction, TimeWindow
from portal.access.services import badge_pin_set


def _audit(*, user, action, detail):
    OperatorAction.objects.create(user=user, username=user.get_username(), action=action, detail=detail)


def setup_save(*, form, user):
    """Save a zone, door, level or group form (with a level's windows) and note it in the trail."""
    with transaction.atomic():
        created = form.instance.pk is None
        saved = form.save()
        if isinstance(saved, AccessLevel):
            access_level_windows_set(level=saved, windows=form.windows)
        _audit(user=user, action=texts.SETUP[saved._meta.model_name, created], detail=saved.name)
    return saved


def access_level_windows_set(*, level: AccessLevel, windows: list) -> None:
    """Replace a level's week with `windows`: (ISO weekday, start, end) each."""
    level.windows.all().delete()
    TimeWindow.objects.bulk_create(TimeWindow(level=level, weekday=d, start=s, end=e) for d, s, e in windows)


def reader_attach(*, form, user):
    """Attach a kiosk to a door as its entry or exit reader (or detach it: attendance only)."""
    with transaction.atomic():
        kiosk = form.save()
        detail = (
            texts.fill(texts.READER_DETAIL[kiosk.door_side], kiosk=kiosk.name, door=kiosk.door.name)
            if kiosk.door_id
            else texts.fill(texts.READER_NONE_DETAIL, kiosk=kiosk.name)
        )
        _audit(user=user, action=texts.READER_SET, detail=detail)
    return kiosk


def badge_pin_give(*, person, pin, user):
    with transaction.atomic():
        record = badge_pin_set(person=person, pin=pin)
        _audit(user=user, action=texts.PIN_SET, detail=person.name)
    return record


def badge_pin_remove(*, person, user):
    with transaction.atomic():
        deleted, _ = BadgePin.objects.filter(person=person).delete()
        if deleted:
            _audit(user=user, action=texts.PIN_REMOVED, detail=person.name)
    return bool(deleted)
