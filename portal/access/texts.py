"""Access decisions in the reader's language: an event keeps its reason code and the
English sentence; what a person reads is the code's sentence in the active language,
so an event recorded while English was active reads in Chinese to a Chinese reader."""

from django.utils.translation import gettext, gettext_noop

from portal.access.rules import REASONS


def reason_message(code, stored=""):
    """The sentence for a reason code, translated; `stored` for a code this version does not know."""
    return gettext(REASONS[code]) if code in REASONS else stored


# Alerts are stored in English (they also leave by webhook) and read in the reader's
# language through portal.web.reasons, like recognition's sentences.
UNKNOWN_REPEATED = gettext_noop(
    "%(door)s: the same unrecognized face was refused %(count)s times in %(minutes)s minutes."
)
DELIVERY_FAILING = gettext_noop("Door commands for %(door)s are not being delivered (expired undelivered).")
LOCKED_DOWN_BY = gettext_noop("%(zone)s locked down by %(user)s")
LOCKED_DOWN_BY_REASON = gettext_noop("%(zone)s locked down by %(user)s: %(reason)s")
LOCKED_DOWN_BY_INTEGRATION = gettext_noop("%(zone)s locked down by an integration")
LOCKED_DOWN_BY_INTEGRATION_REASON = gettext_noop("%(zone)s locked down by an integration: %(reason)s")
DOOR_FORCED = gettext_noop("%(door)s was forced open: it opened with no unlock, exit button or operator command.")
DOOR_HELD = gettext_noop("%(door)s has been held open for more than %(seconds)s seconds.")
DOOR_TAMPER = gettext_noop("%(door)s: its tamper switch was triggered.")
PIN_GUESSING_BADGE = gettext_noop("%(door)s: %(count)s wrong PINs in a row for badge %(badge)s.")
PIN_GUESSING_KIOSK = gettext_noop("%(door)s: %(count)s wrong PINs in a row at the kiosk %(kiosk)s.")
# most specific first: a stored sentence is read back with the first template it matches
ALERTS = [
    PIN_GUESSING_BADGE,
    PIN_GUESSING_KIOSK,
    UNKNOWN_REPEATED,
    DELIVERY_FAILING,
    DOOR_FORCED,
    DOOR_HELD,
    DOOR_TAMPER,
    LOCKED_DOWN_BY_INTEGRATION_REASON,
    LOCKED_DOWN_BY_INTEGRATION,
    LOCKED_DOWN_BY_REASON,
    LOCKED_DOWN_BY,
]


def fill(template, **values):
    return template % {key: str(value) for key, value in values.items()}


# The operators' audit trail (OperatorAction), stored in English like the alerts.
UNLOCK = gettext_noop("unlock")
LOCKDOWN = gettext_noop("lockdown")
LOCKDOWN_END = gettext_noop("lockdown end")
PASSBACK_RESET = gettext_noop("anti-passback reset")
VISITOR_REGISTERED = gettext_noop("visitor registered")
VISITOR_ERASED = gettext_noop("visitor erased")
VISITOR_ENDED = gettext_noop("visitor pass ended")
FOR_MINUTES = gettext_noop("for %(minutes)s minutes")
EVERYONE = gettext_noop("everyone")
VISITOR_DETAIL = gettext_noop("%(name)s (host %(host)s) until %(until)s")
VISITOR_PASS_DETAIL = gettext_noop("%(name)s (host %(host)s): %(doors)s from %(start)s until %(until)s")
VISITOR_POLICY = gettext_noop("visitor door policy")
VISITOR_DOOR_OPEN = gettext_noop("reception may give visitors this door, passes of at most %(hours)s hours")
VISITOR_DOOR_CLOSED = gettext_noop("only security may give visitors this door, passes of at most %(hours)s hours")
VISITOR_ERASED_DETAIL = gettext_noop("%(name)s: face photos and encodings erased after the pass of %(day)s")
# what was set up (the detail is the thing's name): per model and whether it is new
SETUP = {
    ("zone", True): gettext_noop("zone added"),
    ("zone", False): gettext_noop("zone changed"),
    ("door", True): gettext_noop("door added"),
    ("door", False): gettext_noop("door changed"),
    ("accesslevel", True): gettext_noop("access level added"),
    ("accesslevel", False): gettext_noop("access level changed"),
    ("accessgroup", True): gettext_noop("access group added"),
    ("accessgroup", False): gettext_noop("access group changed"),
}
READER_SET = gettext_noop("reader set")
READER_DETAIL = {
    "entry": gettext_noop("%(kiosk)s is the entry reader of %(door)s"),
    "exit": gettext_noop("%(kiosk)s is the exit reader of %(door)s"),
}
READER_NONE_DETAIL = gettext_noop("%(kiosk)s reads for no door (attendance only)")
PIN_SET = gettext_noop("PIN set")
PIN_REMOVED = gettext_noop("PIN removed")
ACTIONS = [
    UNLOCK, LOCKDOWN, LOCKDOWN_END, PASSBACK_RESET, VISITOR_REGISTERED, VISITOR_ERASED, VISITOR_ENDED, VISITOR_POLICY,
    EVERYONE,
    *SETUP.values(), READER_SET, PIN_SET, PIN_REMOVED,
]  # fmt: skip
# most specific first
DETAILS = [
    FOR_MINUTES, VISITOR_ERASED_DETAIL, VISITOR_PASS_DETAIL, VISITOR_DETAIL, VISITOR_DOOR_OPEN, VISITOR_DOOR_CLOSED,
    READER_NONE_DETAIL, *READER_DETAIL.values(),
]  # fmt: skip
