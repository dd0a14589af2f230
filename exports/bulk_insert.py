"""Insert many rows at the speed of the database, not of the ORM.

`bulk_create` builds a model instance and prepares every field of every row; for one
address book of 50,000 contacts that was 8-11x the cost of the database's own bulk path
(see `make bench`). Ingest is the one place where that matters, so it hands plain tuples
to PostgreSQL's COPY, or to SQLite's executemany, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model

SQLITE_BATCH_SIZE = 5000


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (values in the order of `fields`) into `model`'s table.

    JSON fields take JSON text. Call it inside `transaction.atomic()`: an exception
    raised by the `rows` iterator half-way leaves nothing behind once rolled back.
    """
    table, columns = _quoted_table_and_columns(model, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) == SQLITE_BATCH_SIZE:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def refresh_planner_statistics(model: type[Model], fields: Sequence[str]) -> None:
    """Let PostgreSQL's planner know about rows just bulk-loaded (its docs advise ANALYZE
    after COPY); until autovacuum gets to it, it plans for a tiny table. Only `fields` are
    sampled, which keeps it to a few milliseconds.
    """
    if connection.vendor != "postgresql":
        return
    table, columns = _quoted_table_and_columns(model, fields)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table} ({columns})")


def _quoted_table_and_columns(model: type[Model], fields: Sequence[str]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    return quote(model._meta.db_table), columns
