from datetime import date

from django import forms
from django.utils import timezone

from portal.attendance.models import AttendanceEvent, CalendarDay, Schedule
from portal.people.models import Department, Person

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class AttendanceFilterForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.ModelChoiceField(
        label="Person", queryset=Person.objects.all(), required=False, empty_label="Everyone"
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            # the form field has already turned it into local time when it was aware
            value = (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%dT%H:%M")
        return value


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label="Reason", max_length=500, widget=forms.TextInput(attrs={"size": 40}), **kwargs)


class EventForm(forms.Form):
    """Add a missed event, or change one: time (local) and direction, with a reason."""

    at = forms.DateTimeField(label="Time", widget=LocalDateTimeInput)
    direction = forms.ChoiceField(choices=AttendanceEvent.Direction.choices)
    reason = ReasonField()


class VoidForm(forms.Form):
    reason = ReasonField()


class ScheduleForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    holidays = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 24}),
        help_text="One date per line (YYYY-MM-DD).",
    )
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)
    person = forms.ModelChoiceField(queryset=Person.objects.all(), required=False)

    class Meta:
        model = Schedule
        fields = ["name", "department", "person", "working_days", "start", "end", "grace_minutes", "holidays"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_default:
            # the default's scope is fixed: it applies to everyone
            del self.fields["department"], self.fields["person"]
        if self.instance.pk and not self.is_bound:
            self.initial["holidays"] = "\n".join(self.instance.holidays)

    def clean_holidays(self):
        dates = set()
        for line in self.cleaned_data["holidays"].replace(",", "\n").splitlines():
            if line.strip():
                try:
                    dates.add(date.fromisoformat(line.strip()))
                except ValueError:
                    raise forms.ValidationError(f"{line.strip()!r} is not a date (YYYY-MM-DD).") from None
        return [d.isoformat() for d in sorted(dates)]

    def clean(self):
        data = super().clean()
        if not self.instance.is_default and bool(data.get("department")) == bool(data.get("person")):
            raise forms.ValidationError("Choose either a department or a person (not both) for an override.")
        return data


class CalendarImportForm(forms.Form):
    country = forms.CharField(max_length=8, initial="CN", help_text="ISO code: CN, DE, US, ...")
    year = forms.IntegerField(min_value=1950, max_value=2100)
    subdiv = forms.CharField(label="Region", max_length=16, required=False, help_text="Only where holidays differ")
    language = forms.ChoiceField(
        choices=[("", "the package's default"), ("zh_CN", "简体中文"), ("en_US", "English")], required=False
    )


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["day", "kind", "name"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"})}
