from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html

from recognition import decision

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


@register.filter
def capture_title(capture):
    """A picture named the way HR remembers it: when, from where, by whom."""
    at = f"{timezone.localtime(capture.created_at):%Y-%m-%d %H:%M}"
    if capture.kiosk_id:
        return f"Kiosk {capture.kiosk.name}, {at}"
    who = capture.submitted_by.get_username() if capture.submitted_by_id and capture.submitted_by else "the API"
    return f"Photo uploaded by {who}, {at}"


@register.filter
def event_source(event):
    """Where an event came from, with the uploader and the photo's own time for uploads."""
    text = event.get_source_display()
    if event.recorded_by_id:
        text += f" by {event.recorded_by.get_username()}"
    if event.photo_taken_at:
        text += f" (photo taken {timezone.localtime(event.photo_taken_at):%Y-%m-%d %H:%M})"
    return text


@register.filter
def confidence(distance):
    """A match in words and a percent from the calibrated rule; the distance in the tooltip."""
    if distance in (None, ""):
        return "–"
    rule = decision.rule_for(mode=settings.FACE_MATCH_MODE, threshold=settings.FACE_MATCH_THRESHOLD)
    percent, words = decision.confidence(float(distance), rule.threshold)
    return format_html(
        '<span title="face distance {} (lower is closer; accepted up to {})">{}% · {}</span>',
        f"{float(distance):.3f}", f"{rule.threshold:.2f}", percent, words,
    )
