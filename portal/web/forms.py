from django import forms
from django.utils.translation import gettext_lazy as _


class RecognizeForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("One person or a group; every face is identified."),
    )
    record_attendance = forms.BooleanField(
        label=_("Record attendance for everyone recognized"),
        required=False,
        initial=False,
        # off unless asked: an old photo must not clock anyone in by accident
        help_text=_(
            "Off: only shows who is in the photo. On: each person recognized gets an attendance event "
            "at the upload time, marked as uploaded by you, with the time the photo says it was taken beside it."
        ),
    )
