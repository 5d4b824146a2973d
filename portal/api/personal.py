"""My API tokens: a person makes keys for their own phone app or script. Each acts as
them with their own side only (portal.accounts.roles.person_side_only)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.roles import EMPLOYEE, role_required
from portal.api.models import PersonalToken
from portal.api.services import personal_token_create, personal_token_revoke


class PersonalTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=PersonalToken._meta.get_field("name").help_text,
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()


@role_required(EMPLOYEE)
def tokens(request):
    form = PersonalTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = personal_token_create(user=request.user, name=form.cleaned_data["name"])
        return render(request, "api/personal_token_new.html", {"token": token, "key": key})
    items = PersonalToken.objects.filter(user=request.user)
    status = 400 if form.errors else 200
    return render(request, "api/personal_tokens.html", {"tokens": items, "form": form}, status=status)


@role_required(EMPLOYEE)
@require_POST
def token_revoke(request, pk):
    # another person's token is not found: nobody learns it exists
    token = get_object_or_404(PersonalToken, pk=pk, user=request.user)
    personal_token_revoke(token=token)
    messages.info(request, _("Token %(name)s is revoked.") % {"name": token.name})
    return redirect("me-tokens")
