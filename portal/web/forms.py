from django import forms


class RecognizeForm(forms.Form):
    image = forms.FileField(
        label="Photo",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text="One person or a group; every face is identified.",
    )
    record_attendance = forms.BooleanField(
        label="Record attendance for everyone recognized", required=False, initial=True
    )
