"""Every contact's place in every sort, computed once while an address book is stored.

A sort by name, e-mail or phone done per request costs a sort of the whole book, or an
OFFSET walk of an index, on every page (issue 11: 180 ms for page 700 of 1,000 by phone).
Ranked once at ingest, page N of any sort is `rank BETWEEN a AND b` on a `(task, rank)` index,
as cheap as page 1 in LinkedIn's order.

How: rows stream, with their collation keys (`collation.sort_key`), into a temporary table
through the same COPY / executemany as before; one INSERT … SELECT then numbers them with
ROW_NUMBER() per sort and stores them. The database does the sorting, so memory does not grow
with the book, and the keys never reach the contacts table.

A rank is 0..k-1 for the k contacts that have the value (alphabetical, ties in LinkedIn's
order), then k..n-1 for the blanks in LinkedIn's order. `selectors` turns a page of a
descending sort into ranks with k, which ingest stores (`with_name_count`, …).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from django.db import connection

from exports.bulk_insert import insert_rows_into
from exports.collation import sort_key
from exports.models import Contact

# Each sorted field, and the column holding its rank.
RANKED_FIELDS = {"name": "name_rank", "email": "email_rank", "phone": "phone_rank"}
STAGING_TABLE = "exports_contact_staging"


def contacts_insert_ranked(*, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert contact rows (values in the order of the `Contact` fields `columns`) with
    their rank in every sort. Call inside `transaction.atomic()`, like `insert_rows`.
    """
    quote = connection.ops.quote_name
    table = quote(Contact._meta.db_table)
    staging = quote(STAGING_TABLE)
    stored = [quote(Contact._meta.get_field(name).column) for name in columns]
    keys = [quote(f"{field}_key") for field in RANKED_FIELDS]
    ranks = [quote(rank) for rank in RANKED_FIELDS.values()]
    position = quote(Contact._meta.get_field("position").column)
    binary = "bytea" if connection.vendor == "postgresql" else "blob"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} AS "  # noqa: S608 (names only, no input)
            f"SELECT {', '.join(stored)} FROM {table} WHERE 1 = 0"
        )
        for key in keys:
            cursor.execute(f"ALTER TABLE {staging} ADD COLUMN {key} {binary}")
    key_indexes = [columns.index(field) for field in RANKED_FIELDS]
    insert_rows_into(
        staging, ", ".join(stored + keys), len(stored) + len(keys), _keyed(rows, key_indexes)
    )
    numbered = ", ".join(
        f"ROW_NUMBER() OVER (ORDER BY {key} NULLS LAST, {position}) - 1 AS {rank}"
        for key, rank in zip(keys, ranks, strict=True)
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Three sorts of (position, key) for the whole book: in memory, not on disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(stored + ranks)}) "  # noqa: S608 (names only)
            f"SELECT {', '.join(f'staged.{column}' for column in stored)}, "
            f"{', '.join(f'ranked.{rank}' for rank in ranks)} "
            f"FROM {staging} AS staged JOIN "
            f"(SELECT {position}, {numbered} FROM {staging}) AS ranked "
            f"ON ranked.{position} = staged.{position}"
        )
        cursor.execute(f"DROP TABLE {staging}")


def _keyed(rows: Iterable[Sequence], key_indexes: list[int]) -> Iterator[tuple]:
    for row in rows:
        yield (*row, *(sort_key(row[index]) for index in key_indexes))
