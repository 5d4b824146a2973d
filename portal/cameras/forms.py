from django import forms
from django.utils.translation import gettext_lazy as _

from portal.cameras.models import Camera


class CameraForm(forms.ModelForm):
    """A camera's settings. The password is never sent back to the browser: empty keeps the stored one."""

    username = forms.CharField(
        label=_("User name"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored to open the stream; never shown again. Leave empty to keep the current one."),
    )
    clear_credentials = forms.BooleanField(label=_("Remove the stored user name and password"), required=False)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        strip=False,  # a space or line feed at either end is refused like one inside (portal.cameras.addresses)
        help_text=Camera._meta.get_field("url").help_text,
    )
    region_text = forms.CharField(
        label=_("Region of the picture (percent)"),
        required=False,
        help_text=_("left, top, right, bottom in percent, e.g. 25, 0, 75, 100; empty: the whole picture."),
    )

    class Meta:
        model = Camera
        fields = [
            "name", "kind", "url", "snapshot_seconds", "purpose", "door", "door_side", "analyse_fps", "min_face",
            "enabled",
        ]  # fmt: skip

    field_order = [
        "name", "kind", "url", "username", "password", "clear_credentials", "snapshot_seconds", "purpose", "door",
        "door_side", "analyse_fps", "min_face", "region_text", "enabled",
    ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the user name is a credential too: never shown back, only whether one is stored
        self.fields["username"].help_text = (
            _("A user name is stored; type one to replace it.") if self.instance.username else ""
        )
        if self.instance.region:
            self.initial["region_text"] = ", ".join(f"{v * 100:g}" for v in self.instance.region)
        if not self.instance.pk:
            del self.fields["clear_credentials"]

    def clean_region_text(self):
        text = self.cleaned_data["region_text"].strip()
        if not text:
            return None
        try:
            values = [float(v) / 100 for v in text.replace(";", ",").split(",")]
        except ValueError:
            values = []
        if len(values) != 4 or not (0 <= values[0] < values[2] <= 1 and 0 <= values[1] < values[3] <= 1):
            raise forms.ValidationError(
                _("Four numbers from 0 to 100: left, top, right, bottom, with left < right and top < bottom.")
            )
        return values

    def _post_clean(self):
        # before the model's own checks (Camera.clean), which see the values that will be saved
        data = getattr(self, "cleaned_data", {})
        if data.get("clear_credentials"):
            self.instance.username = self.instance.password = ""
        else:
            # empty fields keep what is stored (the form never shows it, so it cannot send it back)
            self.instance.username = data.get("username") or self.instance.username
            self.instance.password = data.get("password") or self.instance.password
        self.instance.region = data.get("region_text")
        super()._post_clean()
