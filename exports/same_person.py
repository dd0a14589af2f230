"""Which contacts listed more than once are one person, and which only share a phone.

Evidence that two contacts of one book are the same person:

- **the same e-mail** (normalised, `matching.email_key`): an address is one person's;
- **the same phone and a matching name** (`person_name_key`: accents, case, punctuation and
  word order aside, so "Smith, John" matches "John Smith").

Contacts that share a phone and nothing else (an office line, a family landline, a
switchboard) are not taken for one person: they **share a phone**, and are said to.
A key held by more than `MAX_SHARED` contacts (info@, a switchboard) is evidence of
nothing and joins nobody, as before.

The rule is pure: it reads keys (fingerprints, or any hashable values; 0 or "" for none)
in position order and answers, for each position, the group of the same person and the
group of a shared phone, plus which rule made each person's group.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import IntFlag

NOT_GROUPED = -1
# As `duplicates.DUPLICATE_KEY_MAX_SHARED`: more holders than this, and a key is a shared line.
MAX_SHARED = 10

_WORDS = re.compile(r"\w+")


class Rule(IntFlag):
    """Why contacts are one person's entries (both when both hold within a group)."""

    SAME_EMAIL = 1
    SAME_PHONE_AND_NAME = 2


RULE_TEXT = {
    Rule.SAME_EMAIL: "the same e-mail address",
    Rule.SAME_PHONE_AND_NAME: "the same phone number and name",
    Rule.SAME_EMAIL | Rule.SAME_PHONE_AND_NAME: "the same e-mail address, phone number and name",
}
SHARED_PHONE_TEXT = "share a phone number (perhaps an office or a family line) but not a name"


def person_name_key(name: str) -> str:
    """The name as two entries of one person match it: accents, case, punctuation and word
    order aside ("Smith, John" and "john SMITH" are both "john smith"); "" for no name.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(sorted(_WORDS.findall(letters)))


@dataclass(frozen=True, slots=True)
class Keys:
    """One contact's keys: e-mail, phone (international form), name (`person_name_key`)."""

    email: Hashable = 0
    phone: Hashable = 0
    name: Hashable = 0


@dataclass
class Grouping:
    """For each position: its person group and its shared-phone group (first position of the
    group, or `NOT_GROUPED`); and the rule of each person group, by its label."""

    person: list[int]
    shared_phone: list[int]
    rules: dict[int, Rule] = field(default_factory=dict)

    @property
    def people_listed_more_than_once(self) -> int:
        return len(self.rules)

    @property
    def entries_of_people_listed_more_than_once(self) -> int:
        return sum(1 for label in self.person if label != NOT_GROUPED)


def group(contacts: Sequence[Keys]) -> Grouping:
    """Group `contacts` (in position order) by the rule above."""
    count = len(contacts)
    email_keys = [c.email for c in contacts]
    # The phone and name together, for contacts that have both.
    pair_keys = [(c.phone, c.name) if c.phone and c.name else 0 for c in contacts]
    person = _UnionFind(count)
    for keys, rule in ((email_keys, Rule.SAME_EMAIL), (pair_keys, Rule.SAME_PHONE_AND_NAME)):
        joining = _joining(keys)
        first_with: dict[Hashable, int] = {}
        for position, key in enumerate(keys):
            if key in joining:
                person.union(position, first_with.setdefault(key, position), rule)
    labels = person.labels()
    rules = {labels[root]: rule for root, rule in person.rules.items() if labels[root] >= 0}

    # A shared phone: contacts holding one phone that are not all one person's entries.
    phone_keys = [c.phone for c in contacts]
    sharing = _joining(phone_keys)
    holders: dict[Hashable, list[int]] = {}
    for position, key in enumerate(phone_keys):
        if key in sharing:
            holders.setdefault(key, []).append(position)
    shared = [NOT_GROUPED] * count
    for positions in holders.values():
        # Each position's person (a contact listed once is a person of its own).
        people = {labels[p] if labels[p] != NOT_GROUPED else -2 - p for p in positions}
        if len(people) > 1:
            for p in positions:
                if shared[p] == NOT_GROUPED:
                    shared[p] = positions[0]
    return Grouping(person=labels, shared_phone=shared, rules=rules)


def listed_more_than_once_text(*, people: int, entries: int, contacts: int) -> str:
    """Say in proportion how many people are listed more than once."""
    if not people:
        return "Nobody is listed more than once."
    share = entries / contacts if contacts else 0
    percent = f"{share:.0%}" if share >= 0.01 else "under 1%"
    person = "person is" if people == 1 else "people are"
    return (
        f"{people:,} {person} listed more than once: {entries:,} of your "
        f"{contacts:,} contacts ({percent})."
    )


def _joining(keys: Sequence[Hashable]) -> set:
    """The keys (empty aside) held by 2 to `MAX_SHARED` contacts."""
    counts: dict[Hashable, int] = {}
    for key in keys:
        if key:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, held in counts.items() if 2 <= held <= MAX_SHARED}


class _UnionFind:
    """Groups of positions, each labelled by its smallest, with the rules that joined it."""

    def __init__(self, count: int) -> None:
        self.parent = list(range(count))
        self.rules: dict[int, Rule] = {}  # by root

    def find(self, position: int) -> int:
        while self.parent[position] != position:
            self.parent[position] = self.parent[self.parent[position]]
            position = self.parent[position]
        return position

    def union(self, a: int, b: int, rule: Rule) -> None:
        if a == b:
            return
        first, second = self.find(a), self.find(b)
        low, high = sorted((first, second))
        joined = self.rules.pop(first, Rule(0)) | self.rules.pop(second, Rule(0)) | rule
        self.parent[high] = low
        self.rules[low] = joined

    def labels(self) -> list[int]:
        roots = [self.find(p) for p in range(len(self.parent))]
        sizes: dict[int, int] = {}
        for root in roots:
            sizes[root] = sizes.get(root, 0) + 1
        return [root if sizes[root] > 1 else NOT_GROUPED for root in roots]
