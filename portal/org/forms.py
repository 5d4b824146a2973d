from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import ADMIN, HR, LABELS, RECEPTION, SECURITY, VIEWER
from portal.api.models import ApiToken
from portal.attendance.forms import WEEKDAYS, Time24Input
from portal.attendance.models import PunchMode
from portal.kiosks.models import Kiosk, language_choices
from portal.org.logo import logo_clean, logo_size_check
from portal.org.models import Organization
from portal.people.models import Department

ROLE_CHOICES = [(role, LABELS[role]) for role in (ADMIN, HR, SECURITY, RECEPTION, VIEWER)]
ROLE_HELP = _(
    "Admin: everything, including kiosks, users and API tokens. HR manager: people, enrollment, attendance, "
    "corrections, departments, schedules, reports. Security: doors, zones, access levels, visitors, the "
    "access log and muster list. Reception: visitors only. Viewer: reports only."
)


class DepartmentForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"))
    own_schedule = forms.BooleanField(
        label=_("Own working hours"), required=False, help_text=_("Off: the organization default schedule applies.")
    )
    working_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[1, 2, 3, 4, 5],
        label=_("Working days"),
    )
    start = forms.TimeField(widget=Time24Input(), initial="09:00", required=False, label=_("Start"))
    end = forms.TimeField(
        widget=Time24Input(),
        initial="17:00",
        required=False,
        help_text=_("At or before the start: overnight"),
        label=_("End"),
    )
    grace_minutes = forms.IntegerField(min_value=0, max_value=240, initial=5, required=False, label=_("Grace minutes"))
    punch_mode = forms.ChoiceField(
        label=_("Check-in or check-out"), choices=PunchMode.choices, initial=PunchMode.ALTERNATE
    )
    punch_cutoff = forms.TimeField(label=_("Cut-off"), widget=Time24Input(), initial="12:00", required=False)
    min_interval_minutes = forms.IntegerField(
        label=_("Minimum minutes between check-in and check-out"),
        min_value=0,
        max_value=600,
        initial=10,
        required=False,
    )

    def __init__(self, *args, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department
        if department is not None and not self.is_bound:
            self.initial["name"] = department.name
            schedule = getattr(department, "schedule", None)
            if schedule is not None:
                self.initial.update(
                    own_schedule=True,
                    working_days=schedule.working_days,
                    start=schedule.start,
                    end=schedule.end,
                    grace_minutes=schedule.grace_minutes,
                    punch_mode=schedule.punch_mode,
                    punch_cutoff=schedule.punch_cutoff,
                    min_interval_minutes=schedule.min_interval_minutes,
                )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = Department.objects.filter(name__iexact=name)
        if self.department is not None:
            taken = taken.exclude(pk=self.department.pk)
        if taken.exists():
            raise forms.ValidationError(_("A department with this name exists."))
        return name

    HOURS = ["working_days", "start", "end", "grace_minutes", "punch_mode", "punch_cutoff", "min_interval_minutes"]

    def clean(self):
        data = super().clean()
        if not data.get("own_schedule"):
            # hours typed with the box unticked would be thrown away with a "saved": say so instead
            typed = [
                name
                for name in self.HOURS
                if data.get(name) not in (None, "", [])
                and name in self.changed_data
                and self._differs(name, data[name])
            ]
            if typed:
                self.add_error(
                    "own_schedule",
                    _(
                        "You changed the working hours (%(fields)s) but “Own working hours” is not ticked: "
                        "tick it to keep them, or put them back."
                    )
                    % {"fields": ", ".join(str(self.fields[name].label) for name in typed)},
                )
        return data

    def _differs(self, name, value):
        field = self.fields[name]
        initial = field.to_python(self.get_initial_for_field(field, name))
        if isinstance(value, list):
            return sorted(map(str, value)) != sorted(map(str, initial or []))
        return value != initial

    def schedule(self):
        """The Schedule fields, or None for the organization default."""
        data = self.cleaned_data
        if not data.get("own_schedule"):
            return None
        return {
            "working_days": data["working_days"],
            "start": data["start"] or self.fields["start"].initial,
            "end": data["end"] or self.fields["end"].initial,
            "grace_minutes": data["grace_minutes"] if data["grace_minutes"] is not None else 5,
            "punch_mode": data["punch_mode"],
            "punch_cutoff": data["punch_cutoff"] or self.fields["punch_cutoff"].initial,
            "min_interval_minutes": data["min_interval_minutes"] if data["min_interval_minutes"] is not None else 10,
        }


class InviteForm(forms.Form):
    username = forms.CharField(max_length=150, label=_("Username"))
    first_name = forms.CharField(max_length=150, required=False, label=_("First name"))
    last_name = forms.CharField(max_length=150, required=False, label=_("Last name"))
    email = forms.EmailField(required=False, label=_("Email"))
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=HR, help_text=ROLE_HELP, label=_("Role"))

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return name


class UserForm(forms.Form):
    role = forms.ChoiceField(
        choices=[("", _("no role: cannot use the portal")), *ROLE_CHOICES],
        required=False,
        help_text=ROLE_HELP,
        label=_("Role"),
    )


class KioskForm(forms.ModelForm):
    language = forms.TypedChoiceField(
        label=Kiosk._meta.get_field("language").verbose_name,
        choices=language_choices,
        required=False,
        help_text=Kiosk._meta.get_field("language").help_text,
    )

    class Meta:
        model = Kiosk
        fields = ["name", "location", "mode", "direction", "liveness", "language"]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text=ApiToken._meta.get_field("name").help_text, label=_("Name"))
    role = forms.ChoiceField(choices=ApiToken.Role.choices, initial=HR, label=_("Role"))


class OrganizationForm(forms.ModelForm):
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        # the browser's file picker offers pictures; the server checks the content (portal.org.logo)
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
        help_text=_("A PNG or JPEG picture of at most 2 MB, shown in the header and on PDF exports."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Organization
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.logo:
            del self.fields["remove_logo"]

    def clean_logo(self):
        """The redrawn PNG's bytes, or None when no file was chosen."""
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        logo_size_check(upload.size)  # before it is read
        return logo_clean(upload.read())
