from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.people.models import Department, Person
from portal.people.widgets import PersonSelect

MAX_DAYS = 366


# The reports' filters and month pickers, one definition each: the forms below must offer them alike.
def department_filter_field():
    return forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label=_("All departments"), label=_("Department")
    )


def person_filter_field():
    return forms.ModelChoiceField(
        queryset=Person.objects.staff(),
        required=False,
        empty_label=_("Everyone"),
        widget=PersonSelect(),
        label=_("Person"),
    )


def month_field():
    """A month as YYYY-MM, the browser's month picker; month_first() reads it."""
    return forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
        widget=forms.TextInput(attrs={"type": "month"}),
        label=_("Month"),
    )


def month_first(month):
    """The first day of a YYYY-MM month."""
    year, number = map(int, month.split("-"))
    return date(year, number, 1)


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    department = department_filter_field()
    person = person_filter_field()

    @classmethod
    def from_query(cls, query):
        """Bound to the query string; this month so far when no dates are given."""
        data = query.copy()
        today = timezone.localdate()
        data.setdefault("date_from", today.replace(day=1).isoformat())
        data.setdefault("date_to", today.isoformat())
        return cls(data)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date is after the end date."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(
                    _("The period is longer than %(days)d days; split it.") % {"days": MAX_DAYS}
                )
        return data

    def filters(self):
        """The selector's keyword arguments."""
        return {key: self.cleaned_data.get(key) for key in ("date_from", "date_to", "department", "person")}


class TimesheetForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.staff(), widget=PersonSelect(), label=_("Person"))
    month = month_field()

    def period(self):
        first = month_first(self.cleaned_data["month"])
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return first, last


class MonthlyForm(forms.Form):
    month = month_field()
    department = department_filter_field()
    person = person_filter_field()

    @classmethod
    def from_query(cls, query):
        data = query.copy()
        data.setdefault("month", f"{timezone.localdate():%Y-%m}")
        return cls(data)

    def first(self):
        return month_first(self.cleaned_data["month"])
