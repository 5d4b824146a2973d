"""The sentence templates that stored messages are made from, in one registry.

Apps keep some messages in English with their values filled in (recognition's
reasons, camera errors, alerts, the operators' audit trail, import reports, the
explanations of door decisions). Each app registers its templates here from its
AppConfig.ready(), so the code that shows them in the reader's language
(portal.web.reasons) imports no app.
"""

import re

# kind -> [template]: "reasons" for stored messages, "why" for a door decision's explanation
_TEMPLATES: dict[str, list[str]] = {"reasons": [], "why": []}
_compiled: dict[str, list[tuple[re.Pattern[str], str]]] = {}


def templates_register(kind, templates):
    """Add `templates` (gettext_noop'd, with %(name)s values) to `kind`."""
    _TEMPLATES[kind].extend(t for t in templates if t not in _TEMPLATES[kind])
    _compiled.pop(kind, None)


def _literal_length(template):
    return len(re.sub(r"%\(\w+\)s", "", template))


def _compile(template):
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex, re.DOTALL), template


def patterns(kind):
    """(regex, template) of every template of `kind`, the most specific first.

    The one with more fixed words wins when two could have made a sentence, so
    the order apps register in (and a new template) cannot change how old rows read.
    """
    if kind not in _compiled:
        ordered = sorted(_TEMPLATES[kind], key=_literal_length, reverse=True)
        _compiled[kind] = [_compile(template) for template in ordered]
    return _compiled[kind]
