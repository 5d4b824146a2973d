"""Log lines that values cannot forge.

A camera's name, an address, a library's error text or a visitor's name may
hold a line feed; written as it is, it starts a line of the attacker's
choosing in the log ("... INFO door opened"). Every control character of a
value is written escaped (\\n, \\x1b, ...), so one event stays one line.
"""

import logging
import unicodedata


def log_safe(value):
    """`value` as text with control and line-separator characters escaped (non-ASCII letters kept)."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() or unicodedata.category(char) == "Zs" else char.encode("unicode_escape").decode()
        for char in text
    )


class SafeFormatter(logging.Formatter):
    """The portal's log format: the message escaped (see log_safe); a traceback stays on its own lines."""

    def formatMessage(self, record):
        record.message = log_safe(record.message)
        return super().formatMessage(record)
