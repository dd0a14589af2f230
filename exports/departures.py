"""Who left: the previous export's contacts that no contact of the new one is.

A previous contact is *gone* when, at every level of the match order (e-mail, then phone,
then name), it has no key of that level, or no contact of the new export was matched at
that level with the same key - the rule `services` counts as "no longer there". While
the previous export's contacts are stored, they are listed by name (as on LinkedIn);
once retention has purged them only the count is left, and the page says that the names
are no longer available: nothing is kept past what retention allows.

Pure: keys in, positions and wording out; the database reads are the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# The match order, as `ContactFingerprint.MatchedBy`'s values.
LEVELS = ("email", "phone", "name")
NAMES_GONE = gettext_lazy(
    "Their names are no longer available: your previous export is no longer kept."
)
LEFT = "left"  # the changes CSV's kind for a contact no longer there


@dataclass(frozen=True, slots=True)
class PreviousKeys:
    """A previous contact's position and its fingerprint at each level (0 for none)."""

    position: int
    email: int = 0
    phone: int = 0
    name: int = 0


@dataclass(frozen=True, slots=True)
class Departed:
    """A contact no longer there, as the previous export held it."""

    name: str
    email: str
    phone: str

    @property
    def label(self) -> str:
        return departed_label(self)


def departed_positions(
    previous: Iterable[PreviousKeys], found: Mapping[str, set[int]]
) -> list[int]:
    """The positions, in order, of the previous contacts no new contact was matched to.

    `found[level]` holds the keys of that level by which new contacts were matched.
    """
    return [
        keys.position
        for keys in previous
        if not any(
            (key := getattr(keys, level)) and key in found.get(level, ()) for level in LEVELS
        )
    ]


def departed_list(
    positions: Sequence[int], contacts: Mapping[int, tuple[str, str, str]] | None
) -> list[Departed] | None:
    """The contacts at `positions` from the previous export's `contacts` (name, e-mail,
    phone by position), or None when they are purged (`contacts` None)."""
    if contacts is None:
        return None
    return [Departed(*contacts[p]) for p in positions if p in contacts]


def departed_label(departed: Departed) -> str:
    """How a page names a contact no longer there: its name, else its e-mail or phone."""
    return departed.name or departed.email or departed.phone or _("A contact without a name")


def departed_summary(*, count: int, shown: int, purged: bool) -> str:
    """The sentence beside the list of who left."""
    if not count:
        return _("Nobody is gone since your previous export.")
    values = {
        "count": number_format(count, force_grouping=True),
        "shown": number_format(shown, force_grouping=True),
    }
    if purged:
        gone = ngettext(
            "%(count)s contact is no longer there.",
            "%(count)s contacts are no longer there.",
            count,
        )
        return f"{gone % values} {NAMES_GONE}"
    if shown < count:
        return (
            ngettext(
                "%(count)s contact is no longer there (the first %(shown)s are listed; the changes"
                " file has them all):",
                "%(count)s contacts are no longer there (the first %(shown)s are listed; the"
                " changes file has them all):",
                count,
            )
            % values
        )
    return (
        ngettext(
            "%(count)s contact is no longer there:",
            "%(count)s contacts are no longer there:",
            count,
        )
        % values
    )


def change_row(departed: Departed) -> tuple[str, ...]:
    """The changes CSV row of a contact no longer there (`downloads.changes.HEADER` order):
    its name, e-mail and phone as the previous export held them; no "previous" columns,
    no company or position (the archive's four columns)."""
    return (LEFT, departed.name, departed.email, departed.phone, "", "", "", "", "", "", "")
