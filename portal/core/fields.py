"""A text column that keeps a stored message (portal.core.messages) as its code and values."""

from django.db import models
from django.db.models import lookups

from portal.core.messages import Message, message_dump, message_from_json, message_load, template_named


class MessageField(models.CharField):
    """Reads back a Message for a row written with one, the sentence itself for any other.

    A text column rather than a JSON one: rows written before codes stay readable as they
    are, and `filter(error="")` still finds the rows without a message.
    """

    def from_db_value(self, value, expression, connection):
        return message_load(value)

    def to_python(self, value):
        return value if isinstance(value, Message) or value is None else message_load(str(value))

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)  # not CharField's: it would read the value as stored
        if value is None:
            return None
        if not isinstance(value, str):
            value = str(value)
        stored = message_dump(value)
        if self.max_length and len(stored) > self.max_length:
            # values too long for the column (a long name): the English sentence, cut, rather than an error
            return message_dump(str(value)[: self.max_length - 2])
        return stored

    def value_to_string(self, obj):  # dumpdata: what the column keeps
        return message_dump(self.value_from_object(obj))


def _named(value):
    return (template_named(value) or value) if isinstance(value, str) and not isinstance(value, Message) else value


@MessageField.register_lookup
class MessageExact(lookups.Exact):
    """`filter(action="unlock")` finds the rows kept as that template's code."""

    def get_prep_lookup(self):
        self.rhs = _named(self.rhs)
        return super().get_prep_lookup()


@MessageField.register_lookup
class MessageIn(lookups.In):
    def get_prep_lookup(self):
        if not hasattr(self.rhs, "resolve_expression"):
            self.rhs = [_named(value) for value in self.rhs]
        return super().get_prep_lookup()


class MessageJSONField(models.JSONField):
    """JSON holding stored messages (a door decision's explanation, an import's report): each one
    kept as {"code", "params"}, read back as a Message; anything else stays as it is."""

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        return _read(value)

    def get_prep_value(self, value):
        return super().get_prep_value(_as_json(value))


def _read(value):
    if isinstance(value, dict):
        if set(value) == {"code", "params"}:
            return message_from_json(value)
        return {key: _read(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_read(v) for v in value]
    return value


def _as_json(value):
    if isinstance(value, Message):
        return value.as_json()
    if isinstance(value, dict):
        return {key: _as_json(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    return value
