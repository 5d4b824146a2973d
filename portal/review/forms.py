from django import forms
from django.utils.translation import gettext_lazy as _

from portal.access.forms import VisitorForm
from portal.people.models import Person
from portal.people.widgets import PersonSelect


class AssignForm(forms.Form):
    person = forms.ModelChoiceField(
        Person.objects.filter(visitor=None).order_by("sort_key", "name"),
        label=_("This face is"),
        widget=PersonSelect(),
        help_text=_("The picture becomes a photo of this person, checked like any enrollment photo."),
    )


class NewPersonForm(forms.ModelForm):
    """Someone not in the directory yet (a newcomer): created with this face as their first photo."""

    class Meta:
        model = Person
        fields = ["name", "employee_id", "department"]


class ReviewVisitorForm(VisitorForm):
    """A visitor pass like reception's, with the reviewed face as its photo."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["photo"]
