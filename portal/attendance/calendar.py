"""The organization's calendar: public holidays and swapped working days per country and year.

The dates come from the `holidays` package (kept up to date with each
government's announcements). For China it also gives the weekend days that
are worked to bridge a holiday (调休), which become working days for every
schedule.
"""

from dataclasses import dataclass

import holidays
from django.db import transaction
from django.utils.translation import gettext as _

from portal.attendance import texts
from portal.attendance.models import CalendarDay
from portal.core.messages import message_date, message_fill


class CalendarError(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CalendarImported:
    country: str
    year: int
    holidays: int
    workdays: int


def supported_countries():
    """Country codes the package knows, with their subdivisions."""
    return holidays.list_supported_countries()


def calendar_import(*, country, year, subdiv=None, language=None):
    """Replace what was imported before for `country` and `year` with the package's dates.

    Days entered by hand stay; an imported date replaces a hand-entered one
    on the same day (the government's calendar wins).
    """
    country = country.strip().upper()
    known = supported_countries()
    if country not in known:
        raise CalendarError(
            _("Unknown country %(country)r; use an ISO code such as CN, DE or US.") % {"country": country}
        )
    if subdiv and subdiv not in known[country]:
        raise CalendarError(
            _("%(country)s has no subdivision %(subdiv)r; known: %(known)s.")
            % {"country": country, "subdiv": subdiv, "known": ", ".join(known[country]) or _("none")}
        )
    try:
        found = holidays.country_holidays(country, subdiv=subdiv or None, years=year, language=language or None)
    except NotImplementedError as exc:
        raise CalendarError(str(exc)) from None
    free = {day: name for day, name in found.items() if day.year == year}
    # which holiday a working day pays for is read from the English names, whatever the import's language
    english = found
    if found.supported_languages and "en_US" in found.supported_languages and language != "en_US":
        english = holidays.country_holidays(country, subdiv=subdiv or None, years=year, language="en_US")
    worked = {day for day in getattr(found, "weekend_workdays", ()) if day.year == year} - set(free)
    with transaction.atomic():
        CalendarDay.objects.filter(country=country, day__year=year).delete()
        for day, name in sorted(free.items()):
            CalendarDay.objects.update_or_create(
                day=day,
                defaults={
                    "kind": CalendarDay.Kind.HOLIDAY,
                    # stored with where it came from: each reader sees the package's name in their language
                    "name": message_fill(
                        texts.HOLIDAY, name=name, country=country, subdiv=subdiv or "", day=day.isoformat()
                    ),
                    "country": country,
                },
            )
        for day in sorted(worked):
            CalendarDay.objects.update_or_create(
                day=day,
                defaults={"kind": CalendarDay.Kind.WORKDAY, "name": _workday_name(english, day), "country": country},
            )
    return CalendarImported(country=country, year=year, holidays=len(free), workdays=len(worked))


def _workday_name(english, day):
    """Which day off a swapped working day pays for, when the package says so: a message, shown in
    the reader's language and date format (an import in English read 'Working day (swapped)' to all)."""
    mark = day.strftime("%m/%d/%Y")  # its English names read "Day off (substituted from 02/14/2026)"
    for holiday, name in sorted(english.items()):
        if mark in name:
            return message_fill(texts.WORKDAY_SWAPPED_WITH, day=message_date(holiday))
    return texts.WORKDAY_SWAPPED
