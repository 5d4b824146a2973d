"""Access decisions in the reader's language: an event keeps its reason code and the
English sentence; what a person reads is the code's sentence in the active language,
so an event recorded while English was active reads in Chinese to a Chinese reader."""

from django.utils.translation import gettext

from portal.access.rules import REASONS


def reason_message(code, stored=""):
    """The sentence for a reason code, translated; `stored` for a code this version does not know."""
    return gettext(REASONS[code]) if code in REASONS else stored
