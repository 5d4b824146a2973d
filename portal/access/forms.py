from datetime import timedelta

from django import forms
from django.utils import timezone

from portal.access.models import AccessEvent, Door, Zone
from portal.people.models import Person


class ExplainForm(forms.Form):
    person = forms.ModelChoiceField(Person.objects.all())
    door = forms.ModelChoiceField(Door.objects.select_related("zone"))
    at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Local time of the door's zone.",
    )


class AccessFilterForm(forms.Form):
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    zone = forms.ModelChoiceField(Zone.objects.all(), required=False)
    door = forms.ModelChoiceField(Door.objects.all(), required=False)
    person = forms.ModelChoiceField(Person.objects.all(), required=False)
    result = forms.ChoiceField(choices=[("", "any")] + list(AccessEvent.Result.choices), required=False)


class UnlockForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60, initial=15)


class LockdownForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)


class VisitorForm(forms.Form):
    name = forms.CharField(max_length=200)
    company = forms.CharField(max_length=200, required=False)
    host = forms.ModelChoiceField(Person.objects.filter(visitor=None, active=True))
    doors = forms.ModelMultipleChoiceField(Door.objects.all(), widget=forms.CheckboxSelectMultiple)
    valid_from = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    hours = forms.IntegerField(min_value=1, max_value=24 * 30, initial=8, help_text="How long the pass is valid.")
    photo = forms.ImageField(help_text="Taken with the webcam below, or a file.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].initial = timezone.localtime().replace(second=0, microsecond=0)

    @property
    def valid_until(self):
        return self.cleaned_data["valid_from"] + timedelta(hours=self.cleaned_data["hours"])
