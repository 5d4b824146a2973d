from django import forms
from django.utils.translation import gettext_lazy as _

from portal.clockin.models import AllowedNetwork, Place, Site


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "latitude", "longitude", "radius_m"]
        labels = {
            "name": _("Name"),
            "latitude": _("Latitude"),
            "longitude": _("Longitude"),
            "radius_m": _("Radius (m)"),
        }
        help_texts = {"latitude": _("Decimal degrees, for example 31.2304 (a map shows them for a point).")}
        widgets = {
            "latitude": forms.NumberInput(attrs={"step": "any"}),
            "longitude": forms.NumberInput(attrs={"step": "any"}),
        }


class NetworkForm(forms.ModelForm):
    class Meta:
        model = AllowedNetwork
        fields = ["name", "network"]
        labels = {"name": _("Name"), "network": _("Address range")}
        help_texts = {
            "network": _("The office's public address or range as the portal sees it: 203.0.113.7, 203.0.113.0/24.")
        }


class PolicyForm(forms.Form):
    """One department's row (or everyone else's) on the policies table."""

    place = forms.ChoiceField(choices=Place.choices, label=_("Phone clock-in"))
    face_required = forms.BooleanField(required=False, label=_("Face required"))
    liveness = forms.BooleanField(required=False, label=_("Liveness"))
