"""Strangers' sightings later assigned to a person show them (a hook for portal.core.erasure)."""

from portal.review.models import UnknownSighting


def review_captures_showing(*, person):
    return UnknownSighting.objects.filter(face__person=person, capture__isnull=False).values_list(
        "capture_id", flat=True
    )
