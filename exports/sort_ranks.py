"""Every contact's place in every sort, computed once while an address book is stored.

A sort by name, e-mail or phone done per request costs a sort of the whole book, or an
OFFSET walk of an index, on every page (issue 11: 180 ms for page 700 of 1,000 by phone).
Ranked once at ingest, page N of any sort is `rank BETWEEN a AND b` on a `(task, rank)` index,
as cheap as page 1 in LinkedIn's order.

How: LinkedIn's body is read twice. The first time only the name, e-mail and phone of each
contact are read and their collation keys (`collation.sort_key`) kept and sorted; the second
time the rows stream into the database with their ranks, through the same COPY /
executemany as before. Sorting in the database instead (rows and keys into a temporary
table, then INSERT … SELECT with ROW_NUMBER()) was measured at 250,000 contacts on
PostgreSQL: the INSERT … SELECT alone cost three times the bare COPY.

A rank is 0..k-1 for the k contacts that have the value (alphabetical, ties in LinkedIn's
order), then k..n-1 for the blanks in LinkedIn's order. `selectors` turns a page of a
descending sort into ranks with k, which ingest stores (`with_name_count`, …).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain

from exports.collation import sort_key

# Each sorted field, and the column holding its rank.
RANKED_FIELDS = {"name": "name_rank", "email": "email_rank", "phone": "phone_rank"}
RANK_COLUMNS = tuple(RANKED_FIELDS.values())


def contacts_ranked(
    *, rows: Iterable[Sequence], sort_values: Iterable[Sequence[str]]
) -> Iterator[tuple]:
    """Yield each of `rows` followed by its rank in each of `RANK_COLUMNS`.

    `sort_values` gives, for the same contacts in the same order, the values sorted on
    (name, e-mail, phone as stored). It is read to the end, and ranked, before the first row
    is read, so anything it raises is raised before anything is stored.
    """
    keys: list[list[bytes | None]] = [[] for _ in RANK_COLUMNS]
    for values in sort_values:
        for column_keys, value in zip(keys, values, strict=True):
            column_keys.append(sort_key(value))
    ranks = [_ranks(column_keys) for column_keys in keys]
    del keys
    for position, row in enumerate(rows):
        yield (*row, *(column_ranks[position] for column_ranks in ranks))


def _ranks(keys: list[bytes | None]) -> array:
    """Return each position's rank: by key (ties in position order), the blanks last.

    Empties `keys` as it goes, so at most one column's sort is in memory beside the keys.
    """
    with_value = [position for position, key in enumerate(keys) if key is not None]
    with_value.sort(key=keys.__getitem__)  # a stable sort: equal keys keep LinkedIn's order
    blanks = [position for position, key in enumerate(keys) if key is None]
    ranks = array("L", bytes(array("L").itemsize * len(keys)))
    keys.clear()
    for rank, position in enumerate(chain(with_value, blanks)):
        ranks[position] = rank
    return ranks
