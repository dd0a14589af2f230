"""Every contact's place in every sort, computed once while an address book is stored.

A sort by name, e-mail or phone done per request costs a sort of the whole book, or an
OFFSET walk of an index, on every page, slow at the book's late pages.
Ranked once at ingest, page N of any sort is `rank BETWEEN a AND b` on a `(task, rank)` index,
as cheap as page 1 in LinkedIn's order.

How: LinkedIn's body is read twice. The first time the name, e-mail and phone of each
contact get their collation keys (`collation.sort_key`), packed (`SortKeys`), and are sorted;
the second time the rows stream into the database with their ranks, through the same COPY /
executemany as before. Sorting in the database instead (rows and keys into a temporary
table, then INSERT … SELECT with ROW_NUMBER()) was measured on PostgreSQL: the
INSERT … SELECT alone cost several times the bare COPY.

A rank is 0..k-1 for the k contacts that have the value (alphabetical, ties in LinkedIn's
order), then k..n-1 for the blanks in LinkedIn's order. `selectors` turns a page of a
descending sort into ranks with k, which ingest stores (`with_name_count`, …).
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from exports.collation import sort_key
from exports.packed import PackedValues

if TYPE_CHECKING:
    from exports.linkedin_api import LinkedInContact

# Each sorted field, and the column holding its rank.
RANKED_FIELDS = {"name": "name_rank", "email": "email_rank", "phone": "phone_rank"}
RANK_COLUMNS = tuple(RANKED_FIELDS.values())
_POSITION_BYTES = 4  # positions are stored as PositiveIntegerField: below 2**32


class SortKeys:
    """The sort keys of one address book, gathered contact by contact, then ranked."""

    def __init__(self, collation: str = "") -> None:
        # The language whose alphabetical order the ranks follow (`ExportTask.collation`).
        self._columns = {field: KeyColumn(collation) for field in RANKED_FIELDS}

    def add(self, position: int, contact: LinkedInContact) -> None:
        """Keep the keys of the contact at `position` (the next one), one per ranked field."""
        for field, column in self._columns.items():
            column.add(position, getattr(contact, field))

    def ranks(self) -> dict[str, array]:
        """Return, by rank column (`RANK_COLUMNS`), that column's rank of every position.

        Drops the keys column by column as it goes, so at most one column's sort is in
        memory beside the packed keys.
        """
        return {RANKED_FIELDS[field]: column.ranks() for field, column in self._columns.items()}


class KeyColumn:
    """One field's keys, each followed by its position in fixed-width big-endian bytes.

    ICU's keys end with a 0 byte and hold no other, so comparing two such byte strings
    compares the keys, then (for equal keys) the positions: a plain sort of bytes is the
    sort by key with ties in LinkedIn's order, with no key function and no tuples.
    """

    def __init__(self, collation: str = "") -> None:
        self._collation = collation
        self._keyed = PackedValues()
        self._blanks = array("I")  # positions without a value: ranked last, in order

    def add(self, position: int, value: str) -> None:
        key = sort_key(value, self._collation)
        if key is None:
            self._blanks.append(position)
        else:
            self._keyed.append(key + position.to_bytes(_POSITION_BYTES))

    def ranks(self) -> array:
        """Return each position's rank: by key (ties in position order), the blanks last."""
        keyed = sorted(self._keyed.drain())
        blanks, self._blanks = self._blanks, array("I")
        ranks = array("I", bytes(array("I").itemsize * (len(keyed) + len(blanks))))
        for rank, item in enumerate(keyed):
            ranks[int.from_bytes(item[-_POSITION_BYTES:])] = rank
        for rank, position in enumerate(blanks, start=len(keyed)):
            ranks[position] = rank
        return ranks
