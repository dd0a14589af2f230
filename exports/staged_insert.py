"""Rows written first to a TEMP table of the connection, then copied in one statement each.

SQLite has one writer at a time: a transaction that writes holds the database's write lock
until it ends, and every other writer (another worker's ingest, a page that signs out)
waits. Ingest builds its rows in Python, most of its time; built inside its transaction,
a second worker's ingest only waited. A connection's TEMP tables live in a database of
their own, which no other connection sees or locks: on SQLite every row goes there first,
in autocommit, and the write transaction only copies them (`INSERT … SELECT`, SQLite's own
loop, no Python per row).

A staged row can also be completed where it stands before it is copied: the comparison
fills in the fingerprints' matches there, so each row is written to its indexed table once,
complete. An UPDATE after the insert wrote every row twice, on PostgreSQL a second version
of it in every index. PostgreSQL writes in parallel and COPY is its fastest path, so there
only the tables named `staged` go through a TEMP table (COPY into it, dropped at commit);
the rest go straight to their table (`bulk_insert.insert_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Model

from exports.bulk_insert import executemany_batched, insert_rows, quoted_table_and_columns

STAGING_PREFIX = "staged_"


@dataclass(frozen=True)
class _Staged:
    table: str  # quoted
    columns: str  # quoted, with the `also` columns
    name: str  # the staging table's, quoted


@dataclass
class StagedInserts:
    """The rows staged on this connection, by table, in the order they came.

    On SQLite every table is staged; on PostgreSQL the models of `staged` only, and the
    caller must be in the transaction that copies them.
    """

    staged: dict[type[Model], Sequence[str]] = field(default_factory=dict)  # model: also
    _tables: dict[type[Model], _Staged] = field(default_factory=dict)
    _order: list[type[Model]] = field(default_factory=list)
    _indexed: set[type[Model]] = field(default_factory=set)

    def insert(self, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Stage `rows` (values in the order of `fields`), or insert them where the table is
        not staged: `bulk_insert.insert_rows`' signature, to stand in for it.

        The model's `also` fields (given when staging was asked for) are columns of the
        staging table the rows leave NULL, for a statement to fill before the copy.
        """
        sqlite = connection.vendor == "sqlite"
        if not sqlite and model not in self.staged:
            insert_rows(model, fields, rows)
            return
        also = tuple(self.staged.get(model, ()))
        table, columns = quoted_table_and_columns(model, fields)
        _, all_columns = quoted_table_and_columns(model, (*fields, *also))
        name = connection.ops.quote_name(STAGING_PREFIX + model._meta.db_table)
        # Known before it is filled, so a book failing half-way drops it too.
        self._tables[model] = _Staged(table=table, columns=all_columns, name=name)
        self._order.append(model)
        with connection.cursor() as cursor:
            if sqlite:
                # The table's own column affinities: a value is stored as the table would
                # store it, and a comparison with the table's columns can use an index on
                # the staged ones (with no affinity it cannot, and each probe is a scan).
                cursor.execute(f"DROP TABLE IF EXISTS temp.{name}")
                cursor.execute(
                    f"CREATE TEMP TABLE {name} AS "  # noqa: S608 (quoted names)
                    f"SELECT {all_columns} FROM {table} WHERE 0"
                )
                executemany_batched(
                    cursor, f"INSERT INTO temp.{name} ({columns})", len(fields), rows
                )
            else:
                cursor.execute(
                    f"CREATE TEMP TABLE {name} ON COMMIT DROP AS "  # noqa: S608 (quoted names)
                    f"SELECT {all_columns} FROM {table} WITH NO DATA"
                )
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)

    def table(self, model: type[Model]) -> str | None:
        """The quoted name of `model`'s staging table (for statements on it), if staged."""
        staged = self._tables.get(model)
        return staged.name if staged else None

    def indexed(self, model: type[Model]) -> bool:
        return model in self._indexed

    def index(self, model: type[Model], fields: Sequence[str]) -> None:
        """Index `model`'s staging table on each of `fields` (statements that probe it)."""
        staged = self._tables[model]
        self._indexed.add(model)
        with connection.cursor() as cursor:
            for name in fields:
                column = model._meta.get_field(name).column
                index = connection.ops.quote_name(
                    f"{STAGING_PREFIX}{model._meta.db_table}_{column}"
                )
                cursor.execute(
                    f"CREATE INDEX {index} ON {staged.name} ({connection.ops.quote_name(column)})"
                )
            if connection.vendor == "postgresql":
                # Autovacuum never analyses a TEMP table: without statistics the planner
                # takes it for a tiny one.
                cursor.execute(f"ANALYZE {staged.name}")

    def copy(self) -> None:
        """Copy every staged row to its table, in the order staged; call it in the write
        transaction."""
        with connection.cursor() as cursor:
            for model in self._order:
                staged = self._tables[model]
                cursor.execute(
                    f"INSERT INTO {staged.table} ({staged.columns}) "  # noqa: S608 (quoted names)
                    f"SELECT {staged.columns} FROM {staged.name} ORDER BY position"
                )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for staged in self._tables.values():
                cursor.execute(f"DROP TABLE IF EXISTS {staged.name}")
        self._tables.clear()
        self._order.clear()
        self._indexed.clear()


@contextmanager
def staged_inserts(staged: dict[type[Model], Sequence[str]]) -> Iterator[StagedInserts]:
    """Stage rows for the block, dropping the staging tables whatever happens; `staged`:
    the models PostgreSQL stages too, each with its `also` fields."""
    staging = StagedInserts(staged=staged)
    try:
        yield staging
    finally:
        staging.drop()
