"""Stored English sentences (recognition.texts, alerts of portal.access.texts), in the reader's language.

A photo's reason or a capture's error is kept in English with its values filled
in; here the sentence is matched back to its template, the values read out, and
the translated template filled with them. A sentence that matches no template
(written by an older version, or an operator) is shown as it is.
"""

import re
from functools import cache

from django.utils.translation import gettext

from recognition import texts


@cache
def _patterns():
    from portal.access.texts import ACTIONS, ALERTS, DETAILS

    patterns = []
    for template in [*texts.ALL, *ALERTS, *ACTIONS, *DETAILS]:
        parts = re.split(r"%\((\w+)\)s", template)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        patterns.append((re.compile(regex, re.DOTALL), template))
    return patterns


def reason_text(text):
    """`text`, a sentence of recognition.texts as stored, in the active language."""
    if not text:
        return text
    for regex, template in _patterns():
        match = regex.fullmatch(text)
        if match:
            return gettext(template) % match.groupdict() if match.groupdict() else gettext(template)
    return text
