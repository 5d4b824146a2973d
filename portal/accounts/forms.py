from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from portal.accounts.throttling import login_wait, wait_text


class ThrottledLoginMixin:
    """Says plainly that sign-in is paused, rather than "wrong password"
    (the backend refuses a paused account even with the right one)."""

    def clean(self):
        wait = login_wait(self.request, self.data.get("username"))
        if wait:
            raise forms.ValidationError(
                _("Too many failed sign-ins for this account or from this address; try again in %(wait)s.")
                % {"wait": wait_text(wait)},
                code="throttled",
            )
        return super().clean()


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
