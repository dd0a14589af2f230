"""Rows written first where no other connection waits for them, then copied in one statement.

SQLite has one writer at a time: a transaction that writes holds the database's write lock
until it ends, and every other writer (another worker's ingest, a page that signs out)
waits. Ingest builds its rows in Python, most of its time; built inside its transaction,
a second worker's ingest only waited. A connection's TEMP tables live in a database of
their own, which no other connection sees or locks: the rows go there first, in
autocommit, and the write transaction only copies them (`INSERT … SELECT`, SQLite's own
loop, no Python per row).

PostgreSQL writes in parallel and COPY is its fastest path, so there the rows go straight
to their table (`bulk_insert.insert_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Model

from exports.bulk_insert import SQLITE_BATCH_SIZE, _quoted_table_and_columns

STAGING_PREFIX = "staged_"


@dataclass
class StagedInserts:
    """The rows staged so far on this connection, by table, in the order they came."""

    _tables: list[tuple[str, str, str]] = field(default_factory=list)  # table, columns, staged

    def insert(self, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Write `rows` (values in the order of `fields`) to a TEMP table of their own:
        `bulk_insert.insert_rows`' signature, to stand in for it outside the transaction.
        """
        table, columns = _quoted_table_and_columns(model, fields)
        staged = connection.ops.quote_name(STAGING_PREFIX + model._meta.db_table)
        # No types: a column without affinity keeps each value as it was bound, so the copy
        # stores what executemany would have.
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{staged}")
            cursor.execute(f"CREATE TEMP TABLE {staged} ({columns})")
            placeholders = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO temp.{staged} ({columns}) VALUES ({placeholders})"  # noqa: S608
            batch: list[Sequence] = []
            for row in rows:
                batch.append(row)
                if len(batch) == SQLITE_BATCH_SIZE:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
        self._tables.append((table, columns, staged))

    def copy(self) -> None:
        """Copy every staged row to its table, in the order staged; call it in the write
        transaction."""
        with connection.cursor() as cursor:
            for table, columns, staged in self._tables:
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) "  # noqa: S608 (quoted names)
                    f"SELECT {columns} FROM temp.{staged} ORDER BY rowid"
                )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for _, _, staged in self._tables:
                cursor.execute(f"DROP TABLE IF EXISTS temp.{staged}")
        self._tables.clear()


@contextmanager
def staged_inserts() -> Iterator[StagedInserts]:
    """Stage rows for the block (SQLite only), dropping the TEMP tables whatever happens."""
    if connection.vendor != "sqlite":
        raise RuntimeError("staged inserts are for SQLite; PostgreSQL copies in parallel")
    staging = StagedInserts()
    try:
        yield staging
    finally:
        staging.drop()
