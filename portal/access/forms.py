from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.access.models import AccessEvent, Door, Zone
from portal.people.models import Person
from portal.people.widgets import PersonSelect


class ExplainForm(forms.Form):
    person = forms.ModelChoiceField(Person.objects.staff(), widget=PersonSelect(), label=_("Person"))
    door = forms.ModelChoiceField(Door.objects.select_related("zone"), label=_("Door"))
    at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Local time of the door's zone."),
    )


class AccessFilterForm(forms.Form):
    date_from = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    zone = forms.ModelChoiceField(Zone.objects.all(), required=False, label=_("Zone"))
    door = forms.ModelChoiceField(Door.objects.all(), required=False, label=_("Door"))
    person = forms.ModelChoiceField(
        Person.objects.all(), required=False, widget=PersonSelect(scope="everyone"), label=_("Person")
    )
    result = forms.ChoiceField(
        choices=[("", _("any"))] + list(AccessEvent.Result.choices), required=False, label=_("Result")
    )


class UnlockForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60, initial=15, label=_("Minutes"))


class VisitorDoorForm(forms.Form):
    visitor_door = forms.BooleanField(required=False, label=_("Visitor door"))
    max_hours = forms.IntegerField(min_value=1, max_value=24 * 366, label=_("Longest pass (hours)"))


class LockdownForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, label=_("Reason"))
    # a lockdown refuses everyone at every door of the zone: never one stray click
    confirm = forms.BooleanField(
        label=_("Yes, lock every door of this zone"),
        error_messages={"required": _("Tick the box to confirm the lockdown.")},
    )


class VisitorForm(forms.Form):
    name = forms.CharField(max_length=200, label=pgettext_lazy("person", "Name"))  # 姓名, not 名称
    company = forms.CharField(max_length=200, required=False, label=_("Company"))
    host = forms.ModelChoiceField(Person.objects.filter(visitor=None, active=True), label=_("Host"))
    doors = forms.ModelMultipleChoiceField(Door.objects.all(), widget=forms.CheckboxSelectMultiple, label=_("Doors"))
    valid_from = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label=_("Valid from")
    )
    hours = forms.IntegerField(
        min_value=1, max_value=24 * 30, initial=8, help_text=_("How long the pass is valid."), label=_("Hours")
    )
    photo = forms.ImageField(help_text=_("Taken with the webcam below, or a file."), label=_("Photo"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].initial = timezone.localtime().replace(second=0, microsecond=0)

    @property
    def valid_until(self):
        return self.cleaned_data["valid_from"] + timedelta(hours=self.cleaned_data["hours"])
