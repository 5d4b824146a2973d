"""Rows written before codes: an English sentence matched back to the template it was made from.

Only the data migrations that convert old rows into {code, params} use this (once, when
they run); nothing reads a sentence back at display time. A sentence that matches no
template (typed by an operator, written by a much older version) is left as it was, and
is shown as it was stored.
"""

import re

from portal.core.messages import Message


def _literal_length(template):
    return len(re.sub(r"%\(\w+\)s", "", template))


def _compile(template):
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex, re.DOTALL)


class SentenceReader:
    """Reads sentences made from `templates` (message_template's) back into Messages.

    `nested`: values that are sentences themselves; `lists`: values that are a ", "-joined
    list of sentences. The template with more fixed words wins when two could have made a
    sentence ("The video is 3x3; the limit is 3 megapixels." is not "%(size)s; ... %(limit)s").
    """

    def __init__(self, templates, nested=(), lists=()):
        ordered = sorted(templates, key=lambda t: _literal_length(t.template), reverse=True)
        self.patterns = [(_compile(t.template), t) for t in ordered]
        self.nested, self.lists = set(nested), set(lists)

    def read(self, text, depth=0):
        """The Message `text` was made from, or `text` itself."""
        if not isinstance(text, str) or not text or isinstance(text, Message) or depth > 8:
            return text
        for regex, template in self.patterns:
            match = regex.fullmatch(text)
            if match:
                return template % {key: self._value(key, value, depth) for key, value in match.groupdict().items()}
        return text

    def _value(self, key, value, depth):
        if key in self.lists:
            return [self.read(v, depth + 1) for v in value.split(", ")]
        return self.read(value, depth + 1) if key in self.nested else value


def _rewrite(model, field, rows, new, batch):
    """Set `field` to new(value) on every row where it returns something, in batches of bulk updates."""
    changed = []
    for row in rows.only("pk", field).iterator(chunk_size=batch):
        value = new(getattr(row, field))
        if value is not None:
            setattr(row, field, value)
            changed.append(row)
        if len(changed) >= batch:
            model.objects.bulk_update(changed, [field])
            changed = []
    if changed:
        model.objects.bulk_update(changed, [field])


def convert_column(model, field, reader, batch=500):
    """Rewrite `model.field` of every row as the Message its sentence was made from (a data migration)."""

    def new(text):
        message = reader.read(text)
        return message if isinstance(message, Message) else None

    _rewrite(model, field, model.objects.exclude(**{field: ""}), new, batch)


def english_column(model, field, batch=500):
    """Back to English sentences (the migration's reverse)."""
    length = model._meta.get_field(field).max_length

    def new(value):
        return str(value)[:length] if isinstance(value, Message) else None

    _rewrite(model, field, model.objects.exclude(**{field: ""}), new, batch)


def convert_list_column(model, field, reader, batch=500):
    """The same for a JSON list of sentences (a door decision's explanation)."""

    def new(sentences):
        read = [reader.read(s) for s in sentences or []]
        return read if any(isinstance(m, Message) for m in read) else None

    _rewrite(model, field, model.objects.all(), new, batch)


def english_list_column(model, field, batch=500):
    def new(sentences):
        sentences = sentences or []
        return [str(m) for m in sentences] if any(isinstance(m, Message) for m in sentences) else None

    _rewrite(model, field, model.objects.all(), new, batch)
