"""The calendar's stored names (portal.core.messages): what an import writes into CalendarDay.name.

An import runs in whoever clicked's language, or in none (a command, a worker); the calendar is
read by everyone. So a swapped working day keeps a code ("attendance." and the constant's
lower-case name: never rename one) and an imported holiday keeps the package's name with where
it came from, and each reader sees them in their language: the holiday's name as the `holidays`
package gives it in that language, when it has it, else the name stored at the import.
"""

from datetime import date
from functools import lru_cache

from django.utils.translation import get_language, gettext_noop, to_locale

from portal.core.messages import message_templates

WORKDAY_SWAPPED = gettext_noop("Working day (swapped)")
WORKDAY_SWAPPED_WITH = gettext_noop("Working day, swapped with %(day)s")
# not translated by gettext: shown by holiday_name_text (below); the name as imported, in English text
HOLIDAY = "%(name)s"
ALL = message_templates("attendance", globals(), names={"WORKDAY_SWAPPED", "WORKDAY_SWAPPED_WITH", "HOLIDAY"})

# the portal's languages as the package names them
PACKAGE_LANGUAGES = {"en": "en_US", "zh_Hans": "zh_CN", "zh_Hant": "zh_TW"}


def package_language(language=None):
    """The `holidays` package's name for a portal language ("zh-hans" -> "zh_CN")."""
    locale = to_locale(language or get_language() or "en")
    return PACKAGE_LANGUAGES.get(locale, locale)


@lru_cache(maxsize=64)
def _package_names(country, subdiv, year, language):
    import holidays  # only when a calendar is read: the package is large

    try:
        found = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
        if language not in found.supported_languages:
            return {}
        return dict(holidays.country_holidays(country, subdiv=subdiv or None, years=year, language=language))
    except (NotImplementedError, KeyError, ValueError):
        return {}


def holiday_name_text(message):
    """An imported holiday's name in the active language, from its country's calendar in the package."""
    params = message.params
    try:
        day = date.fromisoformat(str(params.get("day", "")))
    except ValueError:
        return str(params.get("name", ""))
    names = _package_names(str(params.get("country", "")), str(params.get("subdiv", "")), day.year, package_language())
    return names.get(day) or str(params.get("name", ""))
