"""Reads of who left since the member's previous export: the previous contacts no contact
of the new export was found to be (`departures`' rule), in the SQL the comparison counts
them with, and their names while the previous export's contacts are stored.

Works on the fingerprints, which nothing writes on the previous export's rows: who left is
found, never stored beyond the first few positions the comparison keeps for its page.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db import connection

from exports import departures
from exports.models import Contact, ContactFingerprint, ExportComparison, ExportTask
from exports.selectors.in_order import DOWNLOAD_ROWS

# How many of who left the changes page names (the changes file has them all).
DEPARTED_SHOWN = 20


def departed_sql(
    *, task_id: int, previous_id: int, after: int = -1, current_table: str = ""
) -> tuple[str, list]:
    """Return SQL (and its parameters) selecting, in order, the positions after `after` of
    the previous export's contacts that no contact of the task was found to be, at any
    level of the match order; the task's fingerprints are read from `current_table` when
    given (ingest compares them before they are stored).
    """
    table = sql_table(ContactFingerprint)
    gone, params = not_found_by(departures.LEVELS, task_id, current_table or table)
    sql = (
        f"SELECT old.position AS position FROM {table} old "  # noqa: S608
        f"WHERE old.task_id = %s AND old.position > %s{gone} ORDER BY old.position"
    )
    return sql, [previous_id, after, *params]


def not_found_by(levels: Sequence[str], current_id: int, table: str) -> tuple[str, list]:
    """Return SQL (and its parameters) saying that the previous contact `old` was found by
    no contact of the new export at any of `levels` (`ContactFingerprint.MatchedBy`'s
    values, each its fingerprint column); nothing is stored on the old rows.
    """
    sql, params = "", []
    for level in levels:
        column = str(level)
        sql += (
            f" AND NOT (old.{column} <> 0 AND EXISTS (SELECT 1 FROM {table} new "  # noqa: S608
            f"WHERE new.task_id = %s AND new.matched_by = %s AND new.{column} = old.{column}))"
        )
        params += [current_id, column]
    return sql, params


def sql_table(model: type[Contact] | type[ContactFingerprint]) -> str:
    """Return the model's quoted table name, for the set-based statements."""
    return connection.ops.quote_name(model._meta.db_table)


def departed_named(comparison: ExportComparison) -> list[departures.Departed] | None:
    """The first few who left, by name; None once the previous export's contacts are
    purged. From the positions the comparison kept (found again for a comparison stored
    before it kept them)."""
    if previous_purged(comparison.previous):
        return None
    positions = comparison.departed_positions
    if comparison.removed_count and not positions:
        positions = _positions(comparison, after=-1, limit=DEPARTED_SHOWN)
    return _departed_at(comparison.previous, positions)


def departed_contacts(*, task: ExportTask) -> Iterator[departures.Departed]:
    """Yield every contact no longer there since the previous export, in its order, as it
    held them; nothing once the previous export's contacts are purged (names are gone).
    """
    comparison = ExportComparison.objects.filter(task=task).select_related("previous").first()
    if comparison is None or not comparison.removed_count or previous_purged(comparison.previous):
        return
    after = -1
    while positions := _positions(comparison, after=after, limit=DOWNLOAD_ROWS):
        yield from _departed_at(comparison.previous, positions)
        after = positions[-1]


def previous_purged(task: ExportTask | None) -> bool:
    """Whether the previous export's contacts are gone (deleted, or purged by retention)."""
    return task is None or not Contact.objects.filter(task=task).exists()


def _positions(comparison: ExportComparison, *, after: int, limit: int) -> list[int]:
    sql, params = departed_sql(
        task_id=comparison.task_id, previous_id=comparison.previous_id, after=after
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, limit])
        return [position for (position,) in cursor.fetchall()]


def _departed_at(previous: ExportTask, positions: list[int]) -> list[departures.Departed]:
    if not positions:
        return []
    held = Contact.objects.filter(task=previous, position__in=positions)
    contacts = {p: tuple(fields) for p, *fields in held.values_list("position", *_HELD)}
    return departures.departed_list(positions, contacts) or []


_HELD = ("name", "email", "phone")
