from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.messages import message_text
from portal.people.models import Department, Person
from portal.people.selectors import STATES
from recognition import imaging
from recognition.services import upload_read


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several image files in one field; each is checked like any upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned, errors = [], []
        for file in files:
            file = super().clean(file, initial)
            try:
                cleaned.append((file.name, upload_read(file)))
            except imaging.ImageRejected as exc:
                errors.append(f"{file.name}: {message_text(exc.message)}")
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "employee_id", "department", "active"]


class DirectoryForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, widget=forms.TextInput(attrs={"placeholder": _("Name or employee ID")})
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False, empty_label=_("All departments")
    )
    state = forms.ChoiceField(label=_("Enrollment"), required=False, choices=[("", _("Any state")), *STATES.items()])


class ImportForm(forms.Form):
    archive = forms.FileField(
        label=_("ZIP archive"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        help_text=_(
            "One folder per person, named by the person's name or employee ID; optionally a people.csv "
            "with the columns employee_id, name, department, folder."
        ),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("none (or as people.csv says)"),
        help_text=_("Everyone in the archive goes into this department, unless people.csv names another."),
    )


class BulkForm(forms.Form):
    """One change for the people ticked in the directory."""

    people = forms.ModelMultipleChoiceField(queryset=Person.objects.staff().filter(merged_into=None), label=_("People"))
    action = forms.ChoiceField(
        choices=[("department", _("Set the department")), ("deactivate", _("Deactivate")), ("activate", _("Activate"))],
        label=_("Action"),
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label=_("no department"), label=_("Department")
    )
