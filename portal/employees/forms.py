from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from portal.employees.mail import email_send
from portal.employees.services import password_set_path
from portal.people.models import Department, Person

METHOD_EMAIL = "email"
METHOD_CODE = "code"


class InviteForm(forms.Form):
    """Which people to invite, and how; the e-mail addresses come as email-<person id>."""

    people = forms.ModelMultipleChoiceField(
        queryset=Person.objects.filter(merged_into=None, account=None),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Tick at least one person.")},
        label=_("People"),
    )
    method = forms.ChoiceField(
        choices=[(METHOD_EMAIL, _("a link by e-mail")), (METHOD_CODE, _("a one-time code to print"))],
        label=_("Invite by"),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        label=_("Invitation code"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class ManagerForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.order_by("name"), label=_("Department"))
    person = forms.ModelChoiceField(
        queryset=Person.objects.filter(merged_into=None).exclude(account=None).order_by("name"),
        label=_("Manager"),
        help_text=_("Only people with an account can be managers."),
    )


class ForgotForm(PasswordResetForm):
    """Django's reset form, with our own e-mail (in the reader's language) and link."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):  # noqa: E501  (Django's signature)
        user = context["user"]
        link = f"{context['protocol']}://{context['domain']}{password_set_path(user=user)}"
        email_send(user=user, template="password_reset", context={"link": link}, to=to_email)
