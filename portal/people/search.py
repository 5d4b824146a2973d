"""Finding people by name whatever the case, the accents or the script.

Each person stores a search key (Person.search_key, kept up to date on save):
their name in lower case without accents, and for Chinese characters their
pinyin spelled three ways: with spaces ("zhang wei"), joined ("zhangwei")
and as initials ("zw"). A query is normalized the same way (tone marks and
tone numbers dropped: "Zhāng Wěi", "zhang1 wei3") and looked for inside
the key with a plain `contains`, which works alike on SQLite and
PostgreSQL and needs no database extension.
"""

import re
import unicodedata

from django.db.models import Q
from pypinyin import Style, lazy_pinyin

# letters that are not a base letter plus an accent, so NFKD leaves them alone
FOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"})
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
TONE_NUMBER = re.compile(r"(?<=[a-z])[1-5](?![0-9])")
SEPARATOR = " | "  # between the spellings, so that a query never matches across two


def normalize(text):
    """Lower case, accents and tone marks removed, spaces collapsed: "José  MÜLLER" -> "jose muller"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(FOLDED)
    return " ".join(unicodedata.normalize("NFC", plain).split())


def search_key(name):
    """Every spelling of a name a search should find."""
    spellings = [normalize(name)]
    han = HAN.findall(name)
    if han:
        # pypinyin writes ü as v (吕: lv), as Chinese keyboards type it; people write u too
        typed = [s for run in han for s in lazy_pinyin(run, style=Style.NORMAL)]
        for syllables in (typed, [s.replace("v", "u") for s in typed]):
            spellings += [" ".join(syllables), "".join(syllables)]
        spellings.append("".join(s[0] for s in typed if s))
    return SEPARATOR.join(dict.fromkeys(s for s in spellings if s))


def sort_key(name):
    """How a name sorts among names of every script: Chinese characters by their pinyin
    (李静 as "li jing", between "Lewis" and "Liu"), other letters without their accents."""
    spelled = HAN.sub(lambda run: " " + " ".join(lazy_pinyin(run.group(), style=Style.NORMAL)) + " ", name)
    return normalize(spelled)[:200]


def query_variants(query):
    """The normalized query, the same without tone numbers ("zhang1 wei3"), and
    without spaces for pinyin typed in pieces ("lü xiaoming")."""
    plain = normalize(query)
    toneless = TONE_NUMBER.sub("", plain)
    return {plain, toneless, toneless.replace(" ", "")} - {""}


def person_search(queryset, query, *, fields=("employee_id",)):
    """People whose name, in any spelling, or one of `fields` contains `query`."""
    condition = Q()
    for variant in query_variants(query):
        condition |= Q(search_key__contains=variant)
    for field in fields:
        condition |= Q(**{f"{field}__icontains": query.strip()})
    return queryset.filter(condition)
