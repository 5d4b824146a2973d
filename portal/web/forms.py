from django import forms

from portal.people.models import Person


class RecognizeForm(forms.Form):
    image = forms.FileField(
        label="Photo",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text="One person or a group; every face is identified.",
    )
    record_attendance = forms.BooleanField(
        label="Record attendance for everyone recognized", required=False, initial=True
    )


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
