"""E-mail through Django's e-mail framework.

With EMAIL_HOST set, messages go to that SMTP server; without it (the embedded
default) Django's file backend writes them to EMAIL_FILE_PATH, and admins read
them on the outbox page, so nothing is lost on a machine with no mail server.
Every message is written in its reader's language (their preference, else the
portal's default language).
"""

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from portal.accounts.models import Preference

# Django's file backend ends every message with this line
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def user_language(user):
    """The language a user reads: their own choice, else the portal's default."""
    chosen = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen or settings.LANGUAGE_CODE


def absolute_link(path, *, request=None):
    """A link that works from an e-mail: the request's own address, else PORTAL_URL."""
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.PORTAL_URL.rstrip("/") + path


def email_send(*, user, template, context, to=None):
    """Send `template` (templates/employees/mail/<template>_subject.txt and .txt) to a user.

    Returns True if a message left (False: the user has no e-mail address)."""
    address = to or user.email
    if not address:
        return False
    with translation.override(user_language(user)):
        context = {"user": user, **context}
        subject = " ".join(render_to_string(f"employees/mail/{template}_subject.txt", context).split())
        body = render_to_string(f"employees/mail/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    return True


@dataclass(frozen=True)
class Written:
    """One message the file backend wrote."""

    to: str
    subject: str
    sent_at: datetime | None
    body: str
    file: str


def outbox_messages(*, folder=None, limit=200):
    """The messages in the file backend's folder, newest first."""
    folder = Path(folder or settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                found.append(_parse(chunk, path.name))
        if len(found) >= limit:
            break
    found.sort(key=lambda m: m.sent_at.timestamp() if m.sent_at else 0.0, reverse=True)
    return found[:limit]


def _parse(chunk, name):
    message = email.message_from_bytes(chunk, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    try:
        sent_at = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    return Written(
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        sent_at=sent_at,
        body=part.get_content() if part is not None else "",
        file=name,
    )


def outbox_forget(*words, folder=None):
    """Remove from the file backend's folder every message whose address, subject or text holds one of
    `words` (a person's erasure: their name, their address). Returns how many were removed.

    Django's file backend writes the messages of one connection into one file; a file is rewritten
    without those messages (beside itself, then renamed over it) or deleted when none is left."""
    folder = Path(folder or settings.EMAIL_FILE_PATH)
    words = [word for word in words if word]
    if not words or not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.log"):
        chunks = [chunk for chunk in path.read_bytes().split(SEPARATOR) if chunk.strip()]
        kept = []
        for chunk in chunks:
            message = _parse(chunk, path.name)
            text = " ".join((message.to, message.subject, message.body))
            (kept if not any(word in text for word in words) else [None]).append(chunk)
        if len(kept) == len(chunks):
            continue
        removed += len(chunks) - len(kept)
        if not kept:
            path.unlink(missing_ok=True)
            continue
        part = path.with_name(f".{path.name}.part")
        part.write_bytes(b"".join(chunk + SEPARATOR for chunk in kept))
        part.replace(path)
    return removed
