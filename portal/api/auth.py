"""Token authentication for integrations: `Authorization: Bearer <key>`.

The request's user is a TokenUser that carries the token's role, not the
admin who made the token, so nothing can mistake a token for its creator.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from portal.accounts.roles import person_side_only
from portal.accounts.throttling import secret_failed, secret_wait
from portal.api.services import PERSONAL_PREFIX, api_token_find, personal_token_find


class TokenUser(AnonymousUser):
    """The principal of a request made with an API token."""

    is_active = True  # revoked tokens never get this far

    def __init__(self, token):
        self.token = token
        self.username = f"token:{token.name}"

    def __str__(self):
        return self.username

    @property
    def is_anonymous(self):
        return False

    @property
    def is_authenticated(self):
        return True


class ApiTokenAuthentication(BaseAuthentication):
    keywords = (b"bearer", b"token")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as 'Authorization: Bearer <token>'."))
        # the request budgets count only authenticated principals, so guessing tokens is
        # limited here, per address; the right token is let in even from a paused address
        # (a guesser behind the same NAT must not lock the real integrations out, and a
        # 256-bit token is not found by guessing)
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            key = None
        if key and key.startswith(PERSONAL_PREFIX):
            personal = personal_token_find(key=key)
            if personal is not None:
                # the person themselves, with their own side only (employee, manager)
                return person_side_only(personal.user), personal
            token = None
        else:
            token = api_token_find(key=key) if key else None
        if token is None:
            wait = secret_wait(request)
            if wait:
                raise exceptions.Throttled(wait, _("Too many wrong tokens from this address."))
            secret_failed(request)
            if key is None:
                raise exceptions.AuthenticationFailed(_("The token is not valid."))
            raise exceptions.AuthenticationFailed(_("The token is not valid or has been revoked."))
        return TokenUser(token), token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
