"""What doors keep of a person after they are erased (hooks for portal.core.erasure)."""

from django.db.models import Q

from portal.access.models import AccessEvent, Alert, OperatorAction, Visitor
from portal.core.messages import message_replace
from portal.employees.models import Notification

ERASED = "(erased)"


def access_captures_showing(*, person):
    """The attempts behind their access events, their visitor pass's included."""
    return (
        AccessEvent.objects.filter(Q(person=person) | Q(visitor__person=person), capture__isnull=False)
        .values_list("capture_id", flat=True)
        .distinct()
    )


def access_pictures_gone(*, person, capture_ids):
    # a refused stranger's encoding is their face too
    AccessEvent.objects.filter(capture_id__in=capture_ids).exclude(unknown_face=None).update(unknown_face=None)


def access_names_forget(*, person):
    for action in OperatorAction.objects.filter(detail__contains=person.name).only("id", "detail"):
        OperatorAction.objects.filter(pk=action.pk).update(detail=message_replace(action.detail, person.name, ERASED))
    # "wrong PINs in a row for badge <their employee ID>" (portal.access.texts.PIN_GUESSING_BADGE)
    for alert in Alert.objects.filter(message__contains=person.employee_id).only("id", "message"):
        if getattr(alert.message, "code", "") == "access.pin_guessing_badge":
            said = message_replace(alert.message, person.employee_id, ERASED, whole=True)
            Alert.objects.filter(pk=alert.pk).update(message=said)
        elif f"for badge {person.employee_id}." in alert.message:  # a sentence written before codes
            said = alert.message.replace(f"for badge {person.employee_id}.", f"for badge {ERASED}.")
            Alert.objects.filter(pk=alert.pk).update(message=said)
    for visitor in Visitor.objects.filter(person=person):
        # the host's bell: "<visitor> (<company>) arrived"
        said = visitor.name + (f" ({visitor.company})" if visitor.company else "")
        Notification.objects.filter(params__visitor=said).delete()
    Visitor.objects.filter(person=person).update(name=ERASED, company="")
