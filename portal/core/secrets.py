"""Secrets the portal must give back (a camera's password, to open its stream), encrypted at rest.

A hash will not do for a password the portal itself must send to a camera,
so it is encrypted with Fernet (AES-128-CBC with an HMAC-SHA256, from the
`cryptography` package) under keys from the environment: FIELD_ENCRYPTION_KEYS,
comma-separated, the first encrypting and every one decrypting (add the new key
in front, re-save, then drop the old one). Without it the key is derived from
SECRET_KEY, so a copy of the database alone (a backup, a dump) does not give the
passwords away either way.

A stored value starts with "fernet:"; one that does not is a clear text from
before encryption (the migration encrypts those) and is read as it is.
"""

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

log = logging.getLogger(__name__)
PREFIX = "fernet:"


def _keys():
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(f"portal field encryption:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def secret_encrypt(text):
    """`text` encrypted for storage; "" stays "" (nothing stored)."""
    if not text or text.startswith(PREFIX):
        return text
    return PREFIX + _keys().encrypt(text.encode()).decode()


def secret_decrypt(stored):
    """The clear text of a stored value; "" when no key can read it (logged: the keys changed)."""
    if not stored or not stored.startswith(PREFIX):
        return stored
    try:
        return _keys().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        log.error("a stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS (were the keys changed?)")
        return ""


class EncryptedTextField(models.TextField):
    """A text the code reads and writes in clear, stored encrypted (see above)."""

    def from_db_value(self, value, expression, connection):
        return secret_decrypt(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return secret_encrypt(value) if value is not None else value
