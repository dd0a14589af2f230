"""Splitting LinkedIn's one free-text name into first and last, conservatively.

The rule: a name is split only when it is exactly two words of Latin letters (accents,
apostrophes and hyphens allowed) joined by one space, and the first word is not an
initial or title ending in a dot: "Ada Lovelace" is Ada / Lovelace, "Zoë Brontë-Ørsted"
is Zoë / Brontë-Ørsted. Anything else stays whole in the first name, where every
importer shows it: one word ("Madonna"), three or more ("Chloé da Costa", "Jane Q. Doe"),
commas ("Smith, John"), digits, emoji, and names in other scripts, whose order of given
and family names differs ("山田 太郎", "محمد العلي"). No character is ever lost:
first + " " + last is the name when it is split, first is the name when it is not.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import NamedTuple

NAME_PUNCTUATION = frozenset("'\u2019-")  # apostrophes (straight and typographic), hyphen


class NameParts(NamedTuple):
    first: str
    middle: str
    last: str


def split_name(name: str) -> NameParts:
    """Return the first, middle and last name of `name` by the rule above."""
    # Split at the first space: a second one is in `last`, which is then no Latin word. Half
    # the time of `split(" ")` and a list, and this runs for every row of a card's CSV.
    first, space, last = name.partition(" ")
    if space and _latin_word(first) and _latin_word(last):
        return _parts(NameParts, (first, "", last))
    return _parts(NameParts, (name, "", ""))


# `tuple.__new__`, as `values_list(named=True)` makes its rows: no Python runs to make one.
_parts = tuple.__new__


@functools.lru_cache(maxsize=4096)  # given and family names repeat across a book
def _latin_word(word: str) -> bool:
    if not word or word[0] in NAME_PUNCTUATION or word[-1] in NAME_PUNCTUATION:
        return False
    if word.isascii():
        # Every ASCII letter is a Latin one, and ASCII has no combining accents.
        return word.replace("'", "").replace("-", "").isalpha()
    for character in word:
        if character in NAME_PUNCTUATION:
            continue
        category = unicodedata.category(character)
        if category.startswith("M"):  # a combining accent, as in a decomposed "é"
            continue
        if not category.startswith("L") or "LATIN" not in unicodedata.name(character, ""):
            return False
    return True
