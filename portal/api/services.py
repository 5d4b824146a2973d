"""API tokens: create, revoke, and find the token a request presents."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from portal.api.models import ApiToken, PersonalToken

PREFIX = "pat_"
# a person's own token: told apart from an integration's at a glance (and in logs)
PERSONAL_PREFIX = "ppt_"
# last_used_at is written at most this often, not on every request
USE_RESOLUTION = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    # the keys are 256 random bits, so a plain SHA-256 is as good as a slow hash
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, name: str, role: str, created_by: User | None = None) -> tuple[ApiToken, str]:
    """Returns (token, key). The key is shown once and never stored."""
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name, role=role, prefix=key[:12], key_hash=token_hash(key), created_by=created_by
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_find(*, key: str) -> ApiToken | None:
    """The active token with this key, or None; notes when it was last used."""
    token = ApiToken.objects.filter(key_hash=token_hash(key), revoked_at__isnull=True).first()
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


def personal_token_create(*, user: User, name: str) -> tuple[PersonalToken, str]:
    """A person's own token. Returns (token, key); the key is shown once and never stored."""
    key = PERSONAL_PREFIX + secrets.token_urlsafe(32)
    token = PersonalToken.objects.create(user=user, name=name, prefix=key[:12], key_hash=token_hash(key))
    return token, key


def personal_token_revoke(*, token: PersonalToken) -> PersonalToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def personal_token_find(*, key: str) -> PersonalToken | None:
    """The active token with this key whose user may still sign in, or None."""
    token = (
        PersonalToken.objects.select_related("user")
        .filter(key_hash=token_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
            PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token
