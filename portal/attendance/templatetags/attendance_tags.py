from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def hours_minutes(seconds):
    """7,380 seconds -> "2:03"."""
    if seconds in (None, ""):
        return ""
    minutes = int(seconds) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


@register.filter
def snapshot(value):
    """An event as a correction recorded it, in local time."""
    if not value:
        return ""
    at = timezone.localtime(datetime.fromisoformat(value["at"]))
    text = f"{value['direction']} at {at:%Y-%m-%d %H:%M:%S}"
    return text + " (voided)" if value.get("voided") else text
