"""The forms of Security's setup pages: zones, doors, levels with their weekly grid, groups,
readers (a kiosk attached to a door) and badge PINs."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.access.models import AccessGroup, AccessLevel, Door, Zone
from portal.access.services import pin_pattern
from portal.attendance.forms import WEEKDAYS, Time24Input
from portal.kiosks.models import Kiosk
from portal.people.models import Department, Person
from portal.people.widgets import PersonSelect, PersonSelectMultiple

# windows per weekday in the grid: office hours, and a second one (an evening shift, a split day)
SLOTS = 2


class ZoneForm(forms.ModelForm):
    class Meta:
        model = Zone
        fields = ["name", "anti_passback", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs["placeholder"] = "Asia/Shanghai"

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"].strip()
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise forms.ValidationError(
                    _("%(name)r is not a time zone; use a name such as Asia/Shanghai or Europe/Berlin.")
                    % {"name": name}
                ) from None
        return name


class DoorForm(forms.ModelForm):
    class Meta:
        model = Door
        # visitor doors and their longest pass are set on the doors page (portal.access.views.door_visitors)
        fields = ["name", "zone", "mode", "unlock_seconds", "time_clock", "unlock_schedule", "controller_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unlock_seconds"].widget.attrs.update(min=1, max=600)
        self.fields["unlock_seconds"].validators.append(_between(1, 600))


def _between(low, high):
    def check(value):
        if not low <= value <= high:
            raise forms.ValidationError(
                _("Between %(low)s and %(high)s seconds.") % {"low": low, "high": high}, code="range"
            )

    return check


class LevelForm(forms.ModelForm):
    """A level and its week: a row per weekday with up to SLOTS windows (from, until).

    A window whose end is at or before its start runs into the next day (a night shift).
    """

    doors = forms.ModelMultipleChoiceField(
        Door.objects.select_related("zone"), required=False, widget=forms.CheckboxSelectMultiple, label=_("Doors")
    )
    zones = forms.ModelMultipleChoiceField(
        Zone.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Whole zones"),
        help_text=_("Every door of the zone, also doors added to it later."),
    )

    class Meta:
        model = AccessLevel
        fields = ["name", "doors", "zones", "any_time", "closed_on_holidays", "valid_from", "valid_until"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "closed_on_holidays": _("No access on the holidays of the organization's holiday calendar."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {}
        if self.instance.pk:
            for window in self.instance.windows.order_by("weekday", "start"):
                existing.setdefault(window.weekday, []).append(window)
        self.grid = []
        for day, label in WEEKDAYS:
            row = []
            for slot in range(SLOTS):
                names = (f"w{day}_{slot}_start", f"w{day}_{slot}_end")
                for name, attr in zip(names, ("start", "end"), strict=True):
                    self.fields[name] = forms.TimeField(required=False, widget=Time24Input(), label="")
                    known = existing.get(day, [])
                    if slot < len(known) and not self.is_bound:
                        self.initial[name] = getattr(known[slot], attr)
                row.append((self[names[0]], self[names[1]]))
            self.grid.append((day, label, row))

    def own_fields(self):
        """The level's own fields; the grid is drawn on its own."""
        return [self[name] for name in self._meta.fields]

    def clean(self):
        data = super().clean()
        windows = []
        for day, _label in WEEKDAYS:
            for slot in range(SLOTS):
                start, end = data.get(f"w{day}_{slot}_start"), data.get(f"w{day}_{slot}_end")
                if (start is None) != (end is None):
                    self.add_error(f"w{day}_{slot}_start", _("Give both times of a window, or neither."))
                elif start is not None:
                    windows.append((day, start, end))
        if not windows and not data.get("any_time"):
            raise forms.ValidationError(_("Give at least one window, or tick “any time”."))
        if not data.get("doors") and not data.get("zones"):
            raise forms.ValidationError(_("Choose at least one door or zone."))
        start, until = data.get("valid_from"), data.get("valid_until")
        if start and until and until < start:
            self.add_error("valid_until", _("The last day is before the first."))
        self.windows = windows
        return data


def weekdays_fill(data, *, days, start, end, slot=0):
    """Helper for tests and the page's "every working day" button: the grid's fields for `days`."""
    for day in days:
        data[f"w{day}_{slot}_start"], data[f"w{day}_{slot}_end"] = f"{start:%H:%M}", f"{end:%H:%M}"
    return data


class GroupForm(forms.ModelForm):
    people = forms.ModelMultipleChoiceField(
        Person.objects.staff().filter(merged_into=None),
        required=False,
        widget=PersonSelectMultiple(attrs={"size": 10}),
        label=_("People"),
    )
    departments = forms.ModelMultipleChoiceField(
        Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Whole departments"),
        help_text=_("Everyone in the department, also people who join it later."),
    )
    levels = forms.ModelMultipleChoiceField(
        AccessLevel.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Access levels")
    )

    class Meta:
        model = AccessGroup
        fields = ["name", "people", "departments", "levels"]


class ReaderForm(forms.ModelForm):
    """A kiosk attached to a door, as its entry or exit reader; no door: attendance only."""

    class Meta:
        model = Kiosk
        fields = ["door", "door_side"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["door"].empty_label = _("none: attendance only")
        self.fields["door"].queryset = Door.objects.select_related("zone")


class PinForm(forms.Form):
    person = forms.ModelChoiceField(
        Person.objects.staff().filter(merged_into=None),
        widget=PersonSelect(),
        label=_("Person"),
    )
    pin = forms.CharField(
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
        label=_("PIN"),
    )
    pin_again = forms.CharField(
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
        label=_("PIN again"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # BADGE_PIN_MIN_LENGTH: read when the form is made, so the setting is the one in force
        self.fields["pin"].help_text = _("%(least)s to 12 digits; only a hash is kept.") % {
            "least": settings.BADGE_PIN_MIN_LENGTH
        }

    def clean_pin(self):
        pin = self.cleaned_data["pin"]
        if not re.match(pin_pattern(), pin):
            raise forms.ValidationError(
                _("A PIN is %(least)s to 12 digits.") % {"least": settings.BADGE_PIN_MIN_LENGTH}, code="invalid"
            )
        return pin

    def clean(self):
        data = super().clean()
        if data.get("pin") and data.get("pin") != data.get("pin_again"):
            self.add_error("pin_again", _("The two PINs differ."))
        return data
