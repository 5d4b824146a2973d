"""Access's stored messages (portal.core.messages): alerts, the operators' audit trail, and
the door's reason for a decision. An event keeps its reason code (and the English sentence);
what a person reads is the code's sentence in the active language, so an event recorded
while English was active reads in Chinese to a Chinese reader.

Each constant is a template whose code is "access." and its lower-case name (never rename
one); alerts also leave by webhook, as their English sentence.
"""

from django.utils.translation import gettext_noop

from portal.access.rules import REASONS
from portal.core.messages import message_template, message_templates, message_text


def reason_message(code, stored=""):
    """The sentence for a reason code, translated; `stored` for a code this version does not know."""
    return message_text(REASONS[code]) if code in REASONS else stored


# Alerts
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


def fill(template, **values):
    return template % values


# The operators' audit trail (OperatorAction): what was done and its detail.
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
    ("zone", True): message_template("access.zone_added", gettext_noop("zone added")),
    ("zone", False): message_template("access.zone_changed", gettext_noop("zone changed")),
    ("door", True): message_template("access.door_added", gettext_noop("door added")),
    ("door", False): message_template("access.door_changed", gettext_noop("door changed")),
    ("accesslevel", True): message_template("access.level_added", gettext_noop("access level added")),
    ("accesslevel", False): message_template("access.level_changed", gettext_noop("access level changed")),
    ("accessgroup", True): message_template("access.group_added", gettext_noop("access group added")),
    ("accessgroup", False): message_template("access.group_changed", gettext_noop("access group changed")),
}
READER_SET = gettext_noop("reader set")
READER_DETAIL = {
    "entry": message_template("access.reader_entry_detail", gettext_noop("%(kiosk)s is the entry reader of %(door)s")),
    "exit": message_template("access.reader_exit_detail", gettext_noop("%(kiosk)s is the exit reader of %(door)s")),
}
READER_NONE_DETAIL = gettext_noop("%(kiosk)s reads for no door (attendance only)")
# Why a door command was not delivered (DoorCommand.error): the library's own words, if any, are a value
DELIVERY_MQTT_BROKER = gettext_noop("MQTT broker %(address)s: %(detail)s")
DELIVERY_MQTT_NOT_ACKNOWLEDGED = gettext_noop("the MQTT broker did not acknowledge the command in time")
DELIVERY_MQTT_PUBLISH = gettext_noop("MQTT publish: %(detail)s")
DELIVERY_WEBHOOK_ANSWERED = gettext_noop("webhook answered %(status)s")
DELIVERY_WEBHOOK = gettext_noop("webhook: %(detail)s")
DELIVERY_NOT_TRIED = gettext_noop("not tried")
DELIVERY_REPLACED = gettext_noop("replaced by a later command for this door")
DELIVERY_NEVER_IN_TIME = gettext_noop("never delivered in time")
PIN_SET = gettext_noop("PIN set")
PIN_REMOVED = gettext_noop("PIN removed")
ALL = [*message_templates("access", globals()), *SETUP.values(), *READER_DETAIL.values()]
ALERTS = [
    UNKNOWN_REPEATED, DELIVERY_FAILING, LOCKED_DOWN_BY, LOCKED_DOWN_BY_REASON, LOCKED_DOWN_BY_INTEGRATION,
    LOCKED_DOWN_BY_INTEGRATION_REASON, DOOR_FORCED, DOOR_HELD, DOOR_TAMPER, PIN_GUESSING_BADGE, PIN_GUESSING_KIOSK,
]  # fmt: skip
ACTIONS = [
    UNLOCK, LOCKDOWN, LOCKDOWN_END, PASSBACK_RESET, VISITOR_REGISTERED, VISITOR_ERASED, VISITOR_ENDED, VISITOR_POLICY,
    EVERYONE, *SETUP.values(), READER_SET, PIN_SET, PIN_REMOVED,
]  # fmt: skip
DETAILS = [
    FOR_MINUTES, VISITOR_ERASED_DETAIL, VISITOR_PASS_DETAIL, VISITOR_DETAIL, VISITOR_DOOR_OPEN, VISITOR_DOOR_CLOSED,
    READER_NONE_DETAIL, *READER_DETAIL.values(),
]  # fmt: skip
