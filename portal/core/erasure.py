"""Where each app says how it forgets a person: the hooks erasure calls.

portal.people owns erasure (what goes, in which order, in one transaction),
but the apps that keep a person's picture or name in rows of their own (doors,
cameras, employees' bells and mail, report files, the review list) sit above
it. Each registers its hooks here from its AppConfig.ready(), so people imports
none of them and a new app that keeps a name adds a hook instead of an import.

Three moments, each hook called with keyword arguments:
- showing(person) -> capture ids: captures that show the person without naming
  them (their pictures go with the ones that name them);
- pictures_gone(person, capture_ids): after those pictures were deleted, what
  still points at them (a stranger's encoding, a camera's latest frame);
- names(person): the person's name in rows that stay after them. Called before
  the Person row and its own rows (attendance, requests...) are deleted, in the
  same transaction: a hook may still read them to tell where the person is
  (report exports do).
"""

from collections.abc import Callable, Iterable
from typing import Any

_HOOKS: dict[str, list[Callable[..., Any]]] = {"showing": [], "pictures_gone": [], "names": []}


def erasure_register(*, showing=None, pictures_gone=None, names=None) -> None:
    """Add an app's hooks (any of the three); registering the same function twice keeps one."""
    for moment, hook in (("showing", showing), ("pictures_gone", pictures_gone), ("names", names)):
        if hook is not None and hook not in _HOOKS[moment]:
            _HOOKS[moment].append(hook)


def captures_showing(person) -> set[int]:
    """Every registered app's captures that show `person`."""
    found: set[int] = set()
    for hook in _HOOKS["showing"]:
        found |= set(hook(person=person))
    return found


def pictures_gone(person, capture_ids: Iterable[int]) -> None:
    ids = set(capture_ids)
    for hook in _HOOKS["pictures_gone"]:
        hook(person=person, capture_ids=ids)


def names_forget(person) -> None:
    for hook in _HOOKS["names"]:
        hook(person=person)
