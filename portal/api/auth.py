"""Token authentication for integrations: `Authorization: Bearer <key>`.

The request's user is a TokenUser that carries the token's role, not the
admin who made the token, so nothing can mistake a token for its creator.
"""

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from portal.api.services import api_token_find


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
            raise exceptions.AuthenticationFailed("Send the header as 'Authorization: Bearer <token>'.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = api_token_find(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid or has been revoked.")
        return TokenUser(token), token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
