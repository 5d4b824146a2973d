"""Status words the code keeps as plain English values (in the database, the API and
the exports), shown on the pages in the reader's language.

`{{ job.status|word }}`: a known value becomes its translation, anything else is
shown as it is. The API keeps answering with the values themselves.
"""

from django import template
from django.utils.translation import pgettext_lazy

from portal.accounts.names import user_full_name

register = template.Library()

WORDS = {
    # jobs, pictures, exports
    "queued": pgettext_lazy("status", "queued"),
    "running": pgettext_lazy("status", "running"),
    "processing": pgettext_lazy("status", "processing"),
    "encoding": pgettext_lazy("status", "encoding"),
    "done": pgettext_lazy("status", "done"),
    "failed": pgettext_lazy("status", "failed"),
    "accepted": pgettext_lazy("status", "accepted"),
    "rejected": pgettext_lazy("status", "rejected"),
    # a person's day (portal.attendance.models.summary_status)
    "present": pgettext_lazy("day status", "present"),
    "absent": pgettext_lazy("day status", "absent"),
    "holiday": pgettext_lazy("day status", "holiday"),
    "scheduled": pgettext_lazy("day status", "scheduled"),
    "day off": pgettext_lazy("day status", "day off"),
    "worked on a day off": pgettext_lazy("day status", "worked on a day off"),
    "worked on a holiday": pgettext_lazy("day status", "worked on a holiday"),
    "on leave": pgettext_lazy("day status", "on leave"),
    # a kiosk attempt's decision (portal.kiosks.selectors.kiosk_attempts)
    "match": pgettext_lazy("decision", "match"),
    "verified": pgettext_lazy("decision", "verified"),
    "unknown": pgettext_lazy("decision", "unknown"),
    "refused": pgettext_lazy("decision", "refused"),
    "no_face": pgettext_lazy("decision", "no face"),
    "not_live": pgettext_lazy("decision", "not live"),
    "not_verified": pgettext_lazy("decision", "not verified"),
    "ambiguous": pgettext_lazy("decision", "ambiguous"),
    # a kiosk at a door: the door's decision (portal.kiosks.selectors.attempt_decision)
    "access_granted": pgettext_lazy("decision", "access granted"),
    "access_denied": pgettext_lazy("decision", "access refused"),
    # directions and kiosk settings
    "in": pgettext_lazy("direction", "in"),
    "out": pgettext_lazy("direction", "out"),
    "identify": pgettext_lazy("kiosk mode", "identify"),
    "verify": pgettext_lazy("kiosk mode", "verify"),
    "auto": pgettext_lazy("kiosk direction", "auto"),
    "buttons": pgettext_lazy("kiosk direction", "buttons"),
}


@register.filter
def word(value):
    return WORDS.get(value, value)


@register.filter
def full_name(user):
    """A user's name in its own script's order: 李静, not Django's "静 李" (portal.accounts.names)."""
    return user_full_name(user)
