"""Who is listed more than once in one address book, found while it is read.

Contacts that share a normalised e-mail or an international phone, directly or through
others, are one group, labelled with the position of its first contact. The groups are
known before the first contact is stored, so each row is written once, with its group:
grouping the stored rows afterwards cost an UPDATE of every duplicate (issue 11: a fifth of
a 50,000-contact ingest on PostgreSQL, where each updated row is a new row version in
every index).

The keys are compared by their keyed fingerprints (exports/matching.py), which ingest
computes anyway: 8 bytes a contact each instead of the text. Two different keys of one
book share a 63-bit fingerprint with odds of about one in 10^8 at 250,000 contacts.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

NOT_LISTED_TWICE = -1


class DuplicateKeys:
    """Each contact's e-mail and phone fingerprints (0 for none), in position order."""

    def __init__(self) -> None:
        self._emails = array("q")
        self._phones = array("q")

    def add(self, *, email: int, phone: int) -> None:
        """Keep the keys of the next contact: `email` of its e-mail key, `phone` of its
        international phone (0 for a number that does not parse: it is not compared).
        """
        self._emails.append(email)
        self._phones.append(phone)

    def groups(self) -> array:
        """Return each position's group: the position of the group's first contact, or
        `NOT_LISTED_TWICE` for a contact listed once.

        An array, 4 bytes a contact: in a book where half the contacts are listed twice,
        a dict of them cost more than the book's JSON. Memory otherwise grows with the
        distinct keys while they are counted, then with the shared ones only.
        """
        shared_emails, shared_phones = _shared(self._emails), _shared(self._phones)
        parent = array("i", [NOT_LISTED_TWICE]) * len(self._emails)

        def root(position: int) -> int:
            while parent[position] != position:
                parent[position] = parent[parent[position]]  # halve the path as we go
                position = parent[position]
            return position

        # E-mails and phones are looked up apart, so an e-mail never meets a phone.
        first_with: tuple[dict[int, int], dict[int, int]] = ({}, {})
        for position, keys in enumerate(zip(self._emails, self._phones, strict=True)):
            if keys[0] not in shared_emails and keys[1] not in shared_phones:
                continue
            parent[position] = position
            for key, first in zip(keys, first_with, strict=True):
                if not key:
                    continue
                other = first.setdefault(key, position)
                # Positions come in order, so the smaller root labels the group.
                low, high = sorted((root(position), root(other)))
                parent[high] = low
        del first_with, shared_emails, shared_phones
        for position, label in enumerate(parent):
            if label != NOT_LISTED_TWICE:
                parent[position] = root(position)  # a root is its own parent: safe in place
        return parent


def _shared(keys: Iterable[int]) -> set[int]:
    """Return the keys (0 aside) held by more than one contact."""
    seen: set[int] = set()
    shared: set[int] = set()
    for key in keys:
        if key in seen:
            shared.add(key)
        else:
            seen.add(key)
    shared.discard(0)
    return shared
