from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.attendance.models import AttendanceEvent, CalendarDay, Schedule
from portal.attendance.recompute import recompute_earliest
from portal.people.models import Department, Person
from portal.people.widgets import PersonSelect

WEEKDAYS = [(1, _("Mon")), (2, _("Tue")), (3, _("Wed")), (4, _("Thu")), (5, _("Fri")), (6, _("Sat")), (7, _("Sun"))]


class AttendanceFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.staff(),
        required=False,
        empty_label=_("Everyone"),
        widget=PersonSelect(),
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


# Text fields with a 24-hour pattern rather than type=time/datetime-local:
# browsers show those in 12-hour form in some locales, while every page shows 24 h.
TIME_24 = r"([01][0-9]|2[0-3]):[0-5][0-9]"


class Time24Input(forms.TimeInput):
    def __init__(self, attrs=None):
        attrs = {"pattern": TIME_24, "placeholder": "HH:MM", "inputmode": "numeric", "size": 5, **(attrs or {})}
        super().__init__(attrs=attrs, format="%H:%M")


class LocalDateTimeInput(forms.DateTimeInput):
    """Local date and time as YYYY-MM-DD HH:MM (24 h)."""

    def __init__(self, attrs=None):
        attrs = {
            "pattern": r"\d{4}-\d{2}-\d{2}[ T]" + TIME_24,
            "placeholder": "YYYY-MM-DD HH:MM",
            "size": 16,
            **(attrs or {}),
        }
        super().__init__(attrs=attrs)

    def format_value(self, value):
        if hasattr(value, "strftime"):
            # the form field has already turned it into local time when it was aware
            value = (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
        return value


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label="Reason", max_length=500, widget=forms.TextInput(attrs={"size": 40}), **kwargs)


class EventForm(forms.Form):
    """Add a missed event, or change one: time (local) and direction, with a reason."""

    at = forms.DateTimeField(label=_("Time"), widget=LocalDateTimeInput)
    direction = forms.ChoiceField(choices=AttendanceEvent.Direction.choices, label=_("Direction"))
    reason = ReasonField()


class VoidForm(forms.Form):
    reason = ReasonField()


class RecomputeFromField(forms.DateField):
    """From which day a change applies to days already summarized (recomputed in the background)."""

    def __init__(self, *, help_text, **kwargs):
        super().__init__(
            label=_("Recompute stored days from"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
            help_text=help_text,
            **kwargs,
        )

    def validate(self, value):
        super().validate(value)
        if value and value < recompute_earliest():
            raise forms.ValidationError(
                _("Stored days can be recomputed from %(earliest)s at the earliest."),
                params={"earliest": recompute_earliest().isoformat()},
            )


def first_of_this_month():
    return timezone.localdate().replace(day=1)


class ScheduleForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, required=False, label=_("Working days")
    )
    holidays = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 24}),
        help_text=_(
            "One date per line (YYYY-MM-DD). Public holidays belong in the holiday calendar, which applies to "
            "everyone; these are days off for this department or person only."
        ),
        label=_("Extra days off"),
    )
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, label=_("Department"))
    person = forms.ModelChoiceField(
        queryset=Person.objects.staff(),
        required=False,
        widget=PersonSelect(),
        label=_("Person"),
    )
    recompute_from = RecomputeFromField(
        initial=first_of_this_month,
        help_text=_(
            "The summaries already stored of the people this schedule applies to are recomputed with it, "
            "from this day up to today (empty: the first day of this month)."
        ),
    )

    class Meta:
        model = Schedule
        fields = [
            "name", "department", "person", "working_days", "start", "end", "grace_minutes", "holidays",
            "punch_mode", "punch_cutoff", "min_interval_minutes",
        ]  # fmt: skip
        widgets = {"start": Time24Input(), "end": Time24Input(), "punch_cutoff": Time24Input()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_default:
            # the default's scope is fixed: it applies to everyone; its holidays are the
            # organization's calendar (one list, also read by the doors and the monthly summary)
            del self.fields["department"], self.fields["person"], self.fields["holidays"]
        if self.instance.pk and not self.is_bound:
            self.initial["holidays"] = "\n".join(self.instance.holidays)

    def clean_holidays(self):
        dates = set()
        for line in self.cleaned_data["holidays"].replace(",", "\n").splitlines():
            if line.strip():
                try:
                    dates.add(date.fromisoformat(line.strip()))
                except ValueError:
                    raise forms.ValidationError(
                        _("%(value)r is not a date (YYYY-MM-DD).") % {"value": line.strip()}
                    ) from None
        return [d.isoformat() for d in sorted(dates)]

    def clean(self):
        data = super().clean()
        if not self.instance.is_default and bool(data.get("department")) == bool(data.get("person")):
            raise forms.ValidationError(_("Choose either a department or a person (not both) for an override."))
        return data


class CalendarImportForm(forms.Form):
    country = forms.CharField(max_length=8, initial="CN", help_text=_("ISO code: CN, DE, US, ..."), label=_("Country"))
    year = forms.IntegerField(min_value=1950, max_value=2100, label=_("Year"))
    subdiv = forms.CharField(
        label=_("Region"), max_length=16, required=False, help_text=_("Only where holidays differ")
    )
    language = forms.ChoiceField(
        choices=[("", _("the package's default")), ("zh_CN", "简体中文"), ("en_US", "English")],
        required=False,
        label=_("Language"),
    )
    recompute_from = RecomputeFromField(
        help_text=_(
            "Everyone's summaries already stored are recomputed from this day up to today "
            "(empty: the first day of that year)."
        )
    )


class CalendarDayForm(forms.ModelForm):
    recompute_from = RecomputeFromField(
        help_text=_(
            "Everyone's summaries already stored are recomputed from this day up to today (empty: the day itself)."
        )
    )

    class Meta:
        model = CalendarDay
        fields = ["day", "kind", "name"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"})}
