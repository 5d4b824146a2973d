from django import forms

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
                errors.append(f"{file.name}: {exc.message}")
        if errors:
            raise forms.ValidationError(errors)
        return cleaned
