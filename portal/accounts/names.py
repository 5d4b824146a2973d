"""A user's full name the way its own script writes it.

Django's get_full_name() is "first last": right for "Ana Nováková", wrong
for 李静, which it gives as "静 李". Chinese, Japanese and Korean names put
the family name first (and Chinese and Japanese write no space between).
"""

import unicodedata

# the scripts that write the family name first; Hangul is spaced (김 민준), Han and kana are not
_FAMILY_FIRST_PREFIXES = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA", "KATAKANA")


def _script(text):
    """'han', 'hangul' or '' for the first letter of text."""
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith(_FAMILY_FIRST_PREFIXES):
            return "han"
        if name.startswith("HANGUL"):
            return "hangul"
        return ""
    return ""


def full_name(first, last):
    """'Ana Nováková' for ('Ana', 'Nováková'); '李静' for ('静', '李'); '김민준'... spaced: '김 민준'."""
    first, last = (first or "").strip(), (last or "").strip()
    if not first or not last:
        return first or last
    scripts = {_script(first), _script(last)}
    if scripts == {"han"}:
        return f"{last}{first}"
    if "han" in scripts or "hangul" in scripts:
        return f"{last} {first}"
    return f"{first} {last}"


def user_full_name(user):
    return full_name(user.first_name, user.last_name)
