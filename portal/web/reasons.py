"""Stored English sentences, in the reader's language.

Recognition's reasons (recognition.texts), cameras' errors (portal.cameras.texts), alerts and the operators' audit trail
(portal.access.texts), the explanations of door decisions (portal.access.rules)
and the skipped entries of an import (portal.people.imports) are kept in English
with their values filled in, their templates registered in portal.core.messages
by each app's ready(); here a sentence is matched back to its template,
the values read out, and the translated template filled with them. A sentence
that matches no template (written by an older version, or typed by an operator)
is shown as it is.
"""

from django.utils.translation import gettext, pgettext

from portal.core.messages import patterns


def _translate(text, patterns, fill=lambda key, value: value):
    for regex, template in patterns:
        match = regex.fullmatch(text)
        if match:
            values = {key: fill(key, value) for key, value in match.groupdict().items()}
            return gettext(template) % values if values else gettext(template)
    return text


def reason_text(text):
    """`text`, a stored sentence (see above), in the active language."""
    if not text:
        return text
    # a file's missing suffix is said in words, translated too
    return _translate(text, patterns("reasons"), lambda key, value: reason_text(value) if key == "suffix" else value)


# the values of an explanation that are sentences themselves (the rest are names and dates)
NESTED = {"sentence", "when", "window", "weekday", "groups"}


def explanation_text(text, depth=0):
    """One sentence of why a door opened or not (portal.access.rules), in the active language."""
    if not text or depth > 8:
        return text

    def fill(key, value):
        if key == "hours":  # a list of windows
            return pgettext("list separator", ", ").join(explanation_text(v, depth + 1) for v in value.split(", "))
        return explanation_text(value, depth + 1) if key in NESTED else value

    return _translate(text, patterns("why"), fill)
