"""Insert many rows at the speed of the database, not of the ORM.

`bulk_create` builds a model instance and prepares every field of every row; for a large
address book that cost several times the database's own bulk path (see `make bench`).
Ingest is the one place where that matters, so it hands tuples (its named rows are
tuples) to PostgreSQL's COPY, or to SQLite's executemany, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection
from django.db.models import Model

SQLITE_BATCH_SIZE = 5000
# SQLite's page cache while a book is stored, in KiB (a negative cache_size). The
# fingerprints' keys are HMACs, so each row lands on a random page of each index; with the
# default cache those pages no longer stay cached for a large book.
SQLITE_LOAD_CACHE_KIB = 64 * 1024


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (values in the order of `fields`) into `model`'s table.

    JSON fields take JSON text. Call it inside `transaction.atomic()`: an exception
    raised by the `rows` iterator half-way leaves nothing behind once rolled back.
    """
    table, columns = quoted_table_and_columns(model, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        executemany_batched(cursor, f"INSERT INTO {table} ({columns})", len(fields), rows)


def executemany_batched(cursor, insert: str, width: int, rows: Iterable[Sequence]) -> None:
    """`insert` ("INSERT INTO t (a, b)") of `rows` of `width` values, in batches of
    `SQLITE_BATCH_SIZE` rows a call: memory stays flat whatever the number of rows."""
    sql = f"{insert} VALUES ({', '.join(['%s'] * width)})"
    batch: list[Sequence] = []
    for row in rows:
        batch.append(row)
        if len(batch) == SQLITE_BATCH_SIZE:
            cursor.executemany(sql, batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)


@contextmanager
def large_cache_while_loading() -> Iterator[None]:
    """On SQLite, give this connection a larger page cache while the block runs, then the
    one it had: only the ingest holds it, not every connection of every web worker.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (usual,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_LOAD_CACHE_KIB:d}")
    try:
        yield
    finally:
        # On the driver's connection: after an error the block's transaction may refuse
        # queries until rolled back, and the error must not be hidden by this one.
        connection.connection.execute(f"PRAGMA cache_size = {int(usual):d}")


def refresh_planner_statistics(model: type[Model], fields: Sequence[str]) -> None:
    """Let PostgreSQL's planner know about rows just bulk-loaded (its docs advise ANALYZE
    after COPY); until autovacuum gets to it, it plans for a tiny table. Only `fields` are
    sampled, which keeps it to a few milliseconds.
    """
    if connection.vendor != "postgresql":
        return
    table, columns = quoted_table_and_columns(model, fields)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table} ({columns})")


def quoted_table_and_columns(model: type[Model], fields: Sequence[str]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    return quote(model._meta.db_table), columns
