"""Stored messages as a code and its values, shown in the reader's language.

Recognition's reasons, cameras' errors and warnings, alerts, the operators' audit trail,
the explanations of door decisions and import reports are written in no one reader's
language: a row keeps {"code": ..., "params": {...}} in one field and whoever reads it
sees it in theirs (`message_text`). Each app declares its templates (English, marked
with gettext_noop so makemessages finds them) as `message_template(code, text)` and
registers them from its AppConfig.ready(); this module imports no app, and no Django
at import time, so the engine (recognition/, Django-free) makes its messages here too.

A code is never renamed or removed once rows carry it: a row whose code is unknown
shows its code and values, untranslated. Rows written before codes keep their English
sentence; each app's data migration converted what it could (`portal.core.legacy_messages`)
and the rest is shown as it was stored.
"""

import json
from collections.abc import Callable
from datetime import date, datetime

_TEMPLATES: dict[str, str] = {}  # code -> English template with %(name)s values
# code -> how the active language shows such a message, for a value gettext cannot translate
# (a date in the reader's format, a holiday's name from its own calendar)
_RENDERERS: dict[str, Callable[["Message"], str]] = {}


class Message(str):
    """A code and its values; as a str, its English sentence (logs, tests, old comparisons).

    A template is a Message without values: `TEMPLATE % {"name": value}` (or
    `message_fill`) gives the filled message with the same code. A value may be a
    Message itself (shown in the reader's language too) or a list of them.
    """

    code: str
    template: str
    params: dict

    def __new__(cls, code, template, params=None):
        params = {key: _value(value) for key, value in (params or {}).items()}
        text = template % {key: _english(value) for key, value in params.items()} if params else template
        self = super().__new__(cls, text)
        self.code, self.template, self.params = code, template, params
        return self

    def __mod__(self, values):
        return Message(self.code, self.template, values)

    def __reduce__(self):  # pickled (an exception, a Celery result) as its parts, not its sentence
        return (Message, (self.code, self.template, self.params))

    def as_json(self):
        """{"code", "params"}, what a row keeps."""
        return {"code": self.code, "params": {key: _json(value) for key, value in self.params.items()}}


def _value(value):
    if isinstance(value, Message):
        return value
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return str(value)


def _english(value):
    return ", ".join(_english(v) for v in value) if isinstance(value, list) else str(value)


def _json(value):
    if isinstance(value, Message):
        return value.as_json()
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def message_template(code, text):
    """A template (`text`, gettext_noop'd) under its code; fill it with % or message_fill."""
    return Message(code, text)


def message_templates(prefix, namespace, names=None):
    """Every UPPER_CASE English string of a module's `namespace` (or those of `names`) made a
    template whose code is `prefix.name` (so a constant is never renamed once rows carry it);
    the list of them."""
    made = []
    for name, value in list(namespace.items()):
        if (name in names if names is not None else name.isupper()) and isinstance(value, str):
            if not isinstance(value, Message):
                namespace[name] = value = message_template(f"{prefix}.{name.lower()}", value)
            made.append(value)
    return made


def message_renderer_register(code, render):
    """Show messages of `code` with `render(message)` (in the active language) instead of a template."""
    _RENDERERS[code] = render


# A date or a time inside a message: its English is ISO (2026-10-01, 2026-10-01 08:00), as the
# portal always wrote them; the reader sees their language's format (2026年10月1日).
DATE = "core.date"
DATETIME = "core.datetime"
_TEMPLATES[DATE] = _TEMPLATES[DATETIME] = "%(iso)s"


def message_date(day: date) -> "Message":
    """A day (a date, or a datetime's wall-clock day) as a message value shown in the reader's format."""
    return Message(DATE, "%(iso)s", {"iso": f"{day:%Y-%m-%d}"})


def message_datetime(at: datetime) -> "Message":
    """A wall-clock time to the minute (convert to the local zone first) in the reader's format."""
    return Message(DATETIME, "%(iso)s", {"iso": f"{at:%Y-%m-%d %H:%M}"})


def _date_text(message):
    from django.utils.formats import date_format

    iso = str(message.params.get("iso", ""))
    try:
        if message.code == DATE:
            return date_format(date.fromisoformat(iso), "SHORT_DATE_FORMAT")
        return date_format(datetime.fromisoformat(iso), "SHORT_DATETIME_FORMAT")
    except ValueError:  # not a date after all: as it was stored
        return iso


_RENDERERS[DATE] = _RENDERERS[DATETIME] = _date_text


def message_fill(template, **values):
    return template % values


def messages_register(templates):
    """Add `templates` (message_template's) to the registry; a code keeps one template."""
    for template in templates:
        known = _TEMPLATES.setdefault(template.code, template.template)
        if known != template.template:
            raise ValueError(f"message code {template.code!r} is registered with two templates")


def template_named(text):
    """The template without values whose English is `text`, if one is registered: a query may name
    a message by its sentence (`filter(action="unlock")`); stored rows are never read back this way."""
    for code, template in _TEMPLATES.items():
        if template == text and "%(" not in template:
            return Message(code, template)
    return None


def registered():
    """code -> English template, every code the apps registered."""
    return dict(_TEMPLATES)


def message_replace(value, old, new, whole=False):
    """`value` with `old` replaced by `new` in its values (erasure takes a name out of stored
    messages); `whole`: only values that are `old` entirely. A sentence is replaced in as text."""
    if isinstance(value, Message):
        params = {key: message_replace(v, old, new, whole) for key, v in value.params.items()}
        return Message(value.code, value.template, params)
    if isinstance(value, list):
        return [message_replace(v, old, new, whole) for v in value]
    if whole:
        return new if value == old else value
    return value.replace(old, new)


def message_json(value):
    """A message as JSON keeps it ({"code", "params"}); any other value as it is."""
    return value.as_json() if isinstance(value, Message) else value


def message_from_json(data):
    """What a row keeps back into a Message (a str stays the sentence it is, a list a list)."""
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        params = {key: message_from_json(value) for key, value in (data.get("params") or {}).items()}
        template = _TEMPLATES.get(data["code"])
        if template is None:  # a code this version does not know: its values, untranslated
            template = data["code"] + "".join(f" %({key})s" for key in params)
        return Message(data["code"], template, params)
    if isinstance(data, list):
        return [message_from_json(value) for value in data]
    return "" if data is None else str(data)


def message_text(value):
    """`value` (a Message, a list of them, or a stored sentence) in the active language."""
    from django.utils.translation import gettext, pgettext

    if isinstance(value, Message):
        if value.code in _RENDERERS:
            return _RENDERERS[value.code](value)
        if value.code not in _TEMPLATES:
            return str(value)
        template = gettext(_TEMPLATES[value.code])
        if not value.params:
            return template
        return template % {key: message_text(param) for key, param in value.params.items()}
    if isinstance(value, list):
        return pgettext("list separator", ", ").join(message_text(v) for v in value)
    return value


# What a text column keeps: a message as its JSON, any other sentence as it is (an old row,
# an operator's words); a sentence that would read as JSON is kept as a JSON string.
def message_dump(value):
    if isinstance(value, Message):
        return json.dumps(value.as_json(), ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str) and value[:1] in ("{", '"'):
        return json.dumps(value, ensure_ascii=False)
    return value


def message_load(stored):
    if isinstance(stored, str) and stored[:1] in ("{", '"'):
        try:
            return message_from_json(json.loads(stored))
        except ValueError:
            return stored
    return stored
