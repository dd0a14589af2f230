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
from array import array
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import IntFlag

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

NOT_GROUPED = -1
# More holders than this, and a key is a shared line (info@, a switchboard), not a person's.
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
    if name.isascii():
        # Most names, and ingest keys every contact's: ASCII has nothing to decompose and no
        # marks, and its case folding is lower().
        letters = name.lower()
    else:
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
    group, or `NOT_GROUPED`); and the rule of each person group, by its label.

    `listing` is where the duplicates page lists each position: the person groups and the
    shared phones joined where they meet (a person listed twice beside a colleague on their
    office line is one listing), labelled by its first position. `listing_rules` holds the
    rule of each listing that is one person; a listing absent from it only shares a phone.
    """

    person: Sequence[int]
    shared_phone: Sequence[int]
    rules: dict[int, Rule] = field(default_factory=dict)
    listing: Sequence[int] = ()
    listing_rules: dict[int, Rule] = field(default_factory=dict)

    @property
    def people_listed_more_than_once(self) -> int:
        return len(self.rules)

    @property
    def entries_of_people_listed_more_than_once(self) -> int:
        return len(self.person) - _count(self.person, NOT_GROUPED)

    @property
    def listed(self) -> int:
        """How many positions the duplicates page lists."""
        return len(self.listing) - _count(self.listing, NOT_GROUPED)


def group(contacts: Sequence[Keys]) -> Grouping:
    """Group `contacts` (in position order) by the rule above."""
    grouping = group_keys(
        emails=[c.email for c in contacts],
        phones=[c.phone for c in contacts],
        # The phone and name together, for contacts that have both.
        pairs=[(c.phone, c.name) if c.phone and c.name else 0 for c in contacts],
    )
    return Grouping(
        person=list(grouping.person),
        shared_phone=list(grouping.shared_phone),
        rules=grouping.rules,
        listing=list(grouping.listing),
        listing_rules=grouping.listing_rules,
    )


def group_keys(
    *, emails: Sequence[Hashable], phones: Sequence[Hashable], pairs: Sequence[Hashable]
) -> Grouping:
    """Group by the rule above, from each position's e-mail, phone and phone-and-name keys
    (falsy for none). The answer is arrays, 4 bytes a position: ingest groups whole books.
    """
    count = len(emails)
    person = _UnionFind(count)
    for keys, rule in ((emails, Rule.SAME_EMAIL), (pairs, Rule.SAME_PHONE_AND_NAME)):
        joining = _joining(keys)
        first_with: dict[Hashable, int] = {}
        for position, key in enumerate(keys):
            if key in joining:
                person.union(position, first_with.setdefault(key, position), rule)
        del joining, first_with
    labels = person.labels()
    rules = {root: Rule(rule) for root, rule in person.rules.items() if labels[root] >= 0}

    # A shared phone: contacts holding one phone that are not all one person's entries.
    # Each position's person is its label, or itself when listed once.
    sharing = _joining(phones)
    first_holder: dict[Hashable, int] = {}
    mixed: set[Hashable] = set()
    for position, key in enumerate(phones):
        if key in sharing:
            first = first_holder.setdefault(key, position)
            if _person_of(labels, position) != _person_of(labels, first):
                mixed.add(key)
    shared = array("i", [NOT_GROUPED]) * count
    first_phones = {key: first_holder[key] for key in mixed}
    del sharing, first_holder, mixed
    if first_phones:
        for position, key in enumerate(phones):
            if key in first_phones:
                shared[position] = first_phones[key]

    # The listings: each person group (its resolved parents), joined with the shared
    # phones it meets; without any, the person groups themselves.
    if not first_phones:
        return Grouping(
            person=labels, shared_phone=shared, rules=rules, listing=labels, listing_rules=rules
        )
    listing = _UnionFind(count, parent=person.parent)
    for position, first in enumerate(shared):
        if first != NOT_GROUPED:
            listing.union(position, first, 0)
    listed = listing.labels()
    meeting_a_shared_phone = {listed[p] for p, first in enumerate(shared) if first != NOT_GROUPED}
    only_person = {
        label: rule for label, rule in rules.items() if listed[label] not in meeting_a_shared_phone
    }
    return Grouping(
        person=labels, shared_phone=shared, rules=rules, listing=listed, listing_rules=only_person
    )


def _person_of(labels: Sequence[int], position: int) -> int:
    # A contact listed once is a person of its own: its position, told from labels.
    label = labels[position]
    return label if label != NOT_GROUPED else -2 - position


def _count(values: Sequence[int], value: int) -> int:
    return values.count(value)


def listed_more_than_once_text(*, people: int, entries: int, contacts: int) -> str:
    """Say in proportion how many people are listed more than once."""
    if not people:
        return gettext("Nobody is listed more than once.")
    share = entries / contacts if contacts else 0
    values = {
        "people": number_format(people, force_grouping=True),
        "entries": number_format(entries, force_grouping=True),
        "contacts": number_format(contacts, force_grouping=True),
        "percent": f"{share:.0%}",
    }
    if share < 0.01:
        return (
            ngettext(
                "%(people)s person is listed more than once: %(entries)s of your %(contacts)s "
                "contacts (under 1%%).",
                "%(people)s people are listed more than once: %(entries)s of your %(contacts)s "
                "contacts (under 1%%).",
                people,
            )
            % values
        )
    return (
        ngettext(
            "%(people)s person is listed more than once: %(entries)s of your %(contacts)s "
            "contacts (%(percent)s).",
            "%(people)s people are listed more than once: %(entries)s of your %(contacts)s "
            "contacts (%(percent)s).",
            people,
        )
        % values
    )


def _joining(keys: Sequence[Hashable]) -> set:
    """The keys (empty aside) held by 2 to `MAX_SHARED` contacts.

    Only the keys seen again are counted: a count of every distinct key (most of a book)
    cost ingest a dict entry a contact, where a set entry is enough.
    """
    seen: set[Hashable] = set()
    again: dict[Hashable, int] = {}  # the keys seen again, with how many hold them
    for key in keys:
        if not key:
            continue
        if key in seen:
            again[key] = again.get(key, 1) + 1
        else:
            seen.add(key)
    del seen
    return {key for key, held in again.items() if held <= MAX_SHARED}


class _UnionFind:
    """Groups of positions, each labelled by its smallest, with the rules that joined it.

    A root is always the smallest position of its group (`union` hangs the larger root
    under the smaller), so every parent is at most its child: one pass in position order
    resolves every position to its root. Rules are plain ints while grouping (`Rule`'s
    operators cost more than the grouping).
    """

    def __init__(self, count: int, parent: array | None = None) -> None:
        self.parent = parent if parent is not None else array("i", range(count))
        self.rules: dict[int, int] = {}  # by root

    def find(self, position: int) -> int:
        parent = self.parent
        while parent[position] != position:
            parent[position] = parent[parent[position]]
            position = parent[position]
        return position

    def union(self, a: int, b: int, rule: int) -> None:
        if a == b:
            return
        first, second = self.find(a), self.find(b)
        low, high = (first, second) if first < second else (second, first)
        rules = self.rules
        joined = rules.pop(first, 0) | rules.pop(second, 0) | rule
        self.parent[high] = low
        if joined:
            rules[low] = joined

    def roots(self) -> array:
        """Each position's root, with the parents resolved in place (one pass)."""
        parent = self.parent
        for position, up in enumerate(parent):
            parent[position] = parent[up]  # `up` <= position: already resolved
        return parent

    def labels(self) -> array:
        """Each position's group (its smallest position), `NOT_GROUPED` when alone."""
        labels = array("i", self.roots())
        sizes = array("i", [0]) * len(labels)
        for root in labels:
            sizes[root] += 1
        for position, root in enumerate(labels):
            if sizes[root] == 1:
                labels[position] = NOT_GROUPED
        return labels
