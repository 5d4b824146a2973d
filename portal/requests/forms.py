from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.attendance.models import AttendanceEvent
from portal.people.models import Department
from portal.requests.models import ApprovalFlow, Flow, Kind, LeaveEntitlement, LeaveType, Request

DATE = forms.DateInput(attrs={"type": "date"})


class MissedPunchForm(forms.Form):
    at = forms.DateTimeField(label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    direction = forms.ChoiceField(choices=AttendanceEvent.Direction.choices, label=_("Direction"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))


class LeaveForm(forms.Form):
    leave_type = forms.ModelChoiceField(queryset=LeaveType.objects.filter(active=True), label=_("Leave type"))
    unit = forms.ChoiceField(choices=Request.Unit.choices, initial=Request.Unit.DAYS, label=_("How long"))
    start_day = forms.DateField(widget=DATE, label=_("From"))
    end_day = forms.DateField(widget=DATE, required=False, label=_("To"), help_text=_("Whole days only."))
    half = forms.ChoiceField(choices=[("", "–"), *Request.Half.choices], required=False, label=_("Which half"))
    start_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}), required=False, label=_("From time"), help_text=_("Hours only.")
    )
    hours = forms.DecimalField(
        min_value=Decimal("0.25"), max_value=Decimal(24), decimal_places=2, required=False, label=_("Hours")
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))
    attachment = forms.FileField(
        required=False, label=_("Attachment"), help_text=_("A doctor's note, for example: a PDF or a picture.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leave_type"].label_from_instance = lambda t: t.display_name


class OvertimeForm(forms.Form):
    day = forms.DateField(widget=DATE, label=_("Date"))
    hours = forms.DecimalField(min_value=Decimal("0.25"), max_value=Decimal(24), decimal_places=2, label=_("Hours"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))


FORMS = {Kind.MISSED_PUNCH: MissedPunchForm, Kind.LEAVE: LeaveForm, Kind.OVERTIME: OvertimeForm}


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("any status")), *Request.Status.choices], required=False, label=_("Status")
    )
    kind = forms.ChoiceField(choices=[("", _("any kind")), *Kind.choices], required=False, label=_("Kind"))
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"), required=False, label=_("Department"), empty_label=_("all")
    )
    date_from = forms.DateField(widget=DATE, required=False, label=_("From"))
    date_to = forms.DateField(widget=DATE, required=False, label=_("To"))


class FlowForm(forms.Form):
    """One choice of steps per kind of request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = dict(ApprovalFlow.objects.values_list("kind", "flow"))
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                choices=Flow.choices, initial=current.get(kind, Flow.MANAGER_HR), label=label
            )


class LeaveTypeForm(forms.ModelForm):
    class Meta:
        model = LeaveType
        fields = ["code", "name", "has_balance"]


class EntitlementForm(forms.ModelForm):
    class Meta:
        model = LeaveEntitlement
        fields = ["leave_type", "year", "department", "person", "days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leave_type"].label_from_instance = lambda t: t.display_name
        self.fields["person"].help_text = _("A person's own entitlement wins over their department's.")

    def clean(self):
        data = super().clean()
        if bool(data.get("department")) == bool(data.get("person")):
            raise forms.ValidationError(_("Choose a department or a person, not both."), code="scope")
        return data
