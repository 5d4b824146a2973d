"""Zones, doors, access levels (with their weekly windows), groups: set up in the admin by security staff.

The log, the commands and the audit trail are read-only here: they are written
only by the decisions and the operators' actions.
"""

import re

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.access.models import (
    AccessEvent,
    AccessGroup,
    AccessLevel,
    Alert,
    BadgePin,
    Door,
    DoorCommand,
    OperatorAction,
    TimeWindow,
    Visitor,
    Zone,
)
from portal.access.services import pin_pattern
from portal.accounts.admin_site import ReadOnlyAdmin
from portal.core.messages import message_text


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "anti_passback", "time_zone"]


@admin.register(Door)
class DoorAdmin(admin.ModelAdmin):
    list_display = [
        "name", "zone", "mode", "liveness", "state", "unlock_seconds", "time_clock", "unlock_schedule", "controller_id"
    ]  # fmt: skip
    list_filter = ["zone", "mode", "liveness", "state", "time_clock"]
    readonly_fields = ["state", "unlocked_until"]


class TimeWindowInline(admin.TabularInline):
    model = TimeWindow
    extra = 1


@admin.register(AccessLevel)
class AccessLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "any_time", "closed_on_holidays", "valid_from", "valid_until"]
    filter_horizontal = ["doors", "zones"]
    inlines = [TimeWindowInline]


@admin.register(AccessGroup)
class AccessGroupAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["people", "departments", "levels"]


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "door", "direction", "person", "visitor", "result", "reason"]
    list_filter = ["result", "reason", "zone", "door"]


@admin.register(DoorCommand)
class DoorCommandAdmin(ReadOnlyAdmin):
    list_display = ["issued_at", "door", "command", "seconds", "channel", "status", "attempts", "error_text"]
    list_filter = ["status", "channel", "command"]
    exclude = ["error"]  # shown as error_text, in the reader's language
    readonly_fields = ["error_text"]

    @admin.display(description=_("error"))
    def error_text(self, command):
        return message_text(command.error)  # a stored message, in the reader's language


@admin.register(OperatorAction)
class OperatorActionAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "door", "zone", "detail"]


@admin.register(Visitor)
class VisitorAdmin(ReadOnlyAdmin):
    list_display = ["name", "company", "host", "valid_from", "valid_until", "erased_at"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "message", "delivery", "acknowledged_at"]
    exclude = ["error"]  # shown as error_text, in the reader's language
    readonly_fields = ["error_text"]

    @admin.display(description=_("delivery error"))
    def error_text(self, alert):
        return message_text(alert.error)


class BadgePinForm(forms.ModelForm):
    pin = forms.CharField(widget=forms.PasswordInput)

    class Meta:
        model = BadgePin
        fields = ["person"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pin"].help_text = f"{settings.BADGE_PIN_MIN_LENGTH} to 12 digits; only a hash is stored."

    def clean_pin(self):
        pin = self.cleaned_data["pin"]
        if not re.match(pin_pattern(), pin):
            raise forms.ValidationError(f"A PIN is {settings.BADGE_PIN_MIN_LENGTH} to 12 digits.")
        return pin


@admin.register(BadgePin)
class BadgePinAdmin(admin.ModelAdmin):
    """PINs for doors in "face, or badge and PIN" mode."""

    form = BadgePinForm
    list_display = ["person", "updated_at"]
    search_fields = ["person__name", "person__employee_id"]

    def save_model(self, request, obj, form, change):
        from django.contrib.auth.hashers import make_password

        obj.pin_hash = make_password(form.cleaned_data["pin"])
        super().save_model(request, obj, form, change)
