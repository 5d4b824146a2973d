from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from recognition import decision, versions

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
    direction = {
        "in": pgettext("direction of an event in the correction trail", "in"),
        "out": pgettext("direction of an event in the correction trail", "out"),
    }.get(value["direction"], value["direction"])
    values = {"direction": direction, "at": date_format(at, "DATETIME_FORMAT")}  # the reader's date format
    return (_("%(direction)s at %(at)s (voided)") if value.get("voided") else _("%(direction)s at %(at)s")) % values


@register.filter
def capture_title(capture):
    """A picture named the way HR remembers it: when, from where, by whom."""
    at = date_format(timezone.localtime(capture.created_at), "SHORT_DATETIME_FORMAT")
    if capture.kiosk_id:
        return _("Kiosk %(name)s, %(at)s") % {"name": capture.kiosk.name, "at": at}
    if capture.submitted_by_id and capture.submitted_by:
        return _("Photo uploaded by %(user)s, %(at)s") % {"user": capture.submitted_by.get_username(), "at": at}
    return _("Photo uploaded by the API, %(at)s") % {"at": at}


@register.filter
def event_source(event):
    """Where an event came from, with the uploader and the photo's own time for uploads."""
    text = str(event.get_source_display())
    if event.recorded_by_id:
        text = _("%(source)s by %(user)s") % {"source": text, "user": event.recorded_by.get_username()}
    if event.photo_taken_at:
        taken = date_format(timezone.localtime(event.photo_taken_at), "SHORT_DATETIME_FORMAT")
        text = _("%(source)s (photo taken %(at)s)") % {"source": text, "at": taken}
    return text


@register.filter
def confidence(distance):
    """A match in words and a percent from the calibrated rule; the distance in the tooltip."""
    if distance in (None, ""):
        return "–"
    rule = versions.match_rule()
    scale = decision.calibration(versions.active()).scale
    percent, words = decision.confidence(float(distance), rule.threshold, scale)
    return format_html(
        '<span title="{}">{}% · {}</span>',
        _("face distance %(distance)s (lower is closer; accepted up to %(threshold)s)")
        % {"distance": f"{float(distance):.3f}", "threshold": f"{rule.threshold:.2f}"},
        percent,
        _(words),
    )
