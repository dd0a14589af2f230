"""The comparison of an export with the member's previous one, computed once at ingest.

It works from fingerprints only, so the previous contacts may already be purged, and it
is a few set-based statements on indexed columns: two large address books cost a few
passes over two indexes, never a Python loop over pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from exports.models import ContactFingerprint, ExportComparison, ExportTask
from exports.selectors.departed import DEPARTED_SHOWN, departed_sql, not_found_by, sql_table

Status = ExportTask.Status


def export_previous(*, task: ExportTask) -> ExportTask | None:
    """Return the member's export before `task` whose fingerprints are kept, if any."""
    has_fingerprints = Exists(ContactFingerprint.objects.filter(task=OuterRef("pk")))
    return (
        ExportTask.objects.alias(has_fingerprints=has_fingerprints)
        .filter(owner_id=task.owner_id, requested_at__lt=task.requested_at)
        .filter(Q(status=Status.SUCCEEDED) | Q(status=Status.EXPIRED, has_fingerprints=True))
        .exclude(pk=task.pk)
        .order_by("-requested_at")
        .first()
    )


# The order in which a contact is looked for in the previous export: its e-mail first, then
# its phone among the contacts not found by e-mail, then its name among those left.
MATCH_ORDER = (
    ContactFingerprint.MatchedBy.EMAIL,
    ContactFingerprint.MatchedBy.PHONE,
    ContactFingerprint.MatchedBy.NAME,
)


def export_compare_with_previous(*, task: ExportTask) -> ExportComparison | None:
    """Record how the task's address book differs from the member's previous export, from
    the task's stored fingerprints (`fingerprints_compare`); None without a previous one.
    """
    previous = export_previous(task=task)
    if previous is None:
        return None
    compared = fingerprints_compare(
        task=task, previous=previous, table=sql_table(ContactFingerprint)
    )
    return comparison_record(task=task, compared=compared)


@dataclass(frozen=True)
class Compared:
    """What a comparison found, before it is recorded."""

    previous: ExportTask
    new_count: int
    changed_count: int
    removed_count: int
    departed_positions: list[int]


def fingerprints_compare(*, task: ExportTask, previous: ExportTask, table: str) -> Compared:
    """Match the task's fingerprint rows in `table` (the fingerprints' own table, or a
    staging table of the same columns: its rows are the only ones written) against the
    previous export's stored fingerprints, and count what differs.

    Works from fingerprints only, so the previous contacts may already be purged. A
    contact is new if no previous one matches it; changed if none of the previous contacts
    it matches has its e-mail and phone (the changed field is the one that differs from
    the first of them); the previous contacts nobody matched are no longer there.
    Duplicates on either side match together.
    """
    stored = sql_table(ContactFingerprint)
    current_id, previous_id = task.pk, previous.pk
    with connection.cursor() as cursor:
        # Only the new export's rows are written: which previous contact each one is.
        for number, level in enumerate(MATCH_ORDER):
            column = level.value  # the fingerprint column of the same name
            free, free_params = not_found_by(MATCH_ORDER[:number], current_id, table)
            candidates = (
                f"FROM {stored} old WHERE old.task_id = %s "
                f"AND old.{column} = {table}.{column}{free}"
            )
            candidate_params = [previous_id, *free_params]
            cursor.execute(
                f"UPDATE {table} SET matched_by = %s, "  # noqa: S608
                f"previous_position = (SELECT MIN(old.position) {candidates}) "
                f"WHERE task_id = %s AND matched_by = '' AND {column} <> 0 "
                f"AND EXISTS (SELECT 1 {candidates})",
                [level.value, *candidate_params, current_id, *candidate_params],
            )
        # Changed: no previous contact of the same person has this e-mail and phone (one
        # probe of the index of the column it was matched by; `reach` has none of its own),
        # then the field that differs from the contact it was matched to (one probe of the
        # (task, position) key). Only the changed rows are written.
        for level in MATCH_ORDER:
            column = level.value
            for field in ("email", "phone"):
                cursor.execute(
                    f"UPDATE {table} SET {field}_changed = %s "  # noqa: S608
                    f"WHERE task_id = %s AND matched_by = %s "
                    f"AND NOT EXISTS (SELECT 1 FROM {stored} old WHERE old.task_id = %s "
                    f"AND old.reach = {table}.reach AND old.{column} = {table}.{column}) "
                    f"AND NOT EXISTS (SELECT 1 FROM {stored} old WHERE old.task_id = %s "
                    f"AND old.position = {table}.previous_position "
                    f"AND old.{field} = {table}.{field})",
                    [True, current_id, level.value, previous_id, previous_id],
                )
        # Who left: counted, and the first few kept by position for the changes page (a
        # walk of the previous book that stops at the twentieth; none when nobody left).
        gone, gone_params = not_found_by(MATCH_ORDER, current_id, table)
        cursor.execute(
            f"SELECT COUNT(*) FROM {stored} old WHERE old.task_id = %s{gone}",  # noqa: S608
            [previous_id, *gone_params],
        )
        (removed,) = cursor.fetchone()
        first_departed = []
        if removed:
            departed, params = departed_sql(
                task_id=current_id, previous_id=previous_id, current_table=table
            )
            cursor.execute(f"{departed} LIMIT %s", [*params, DEPARTED_SHOWN])
            first_departed = [position for (position,) in cursor.fetchall()]
        counted = f"SELECT COUNT(*) FROM {table} WHERE task_id = %s AND "  # noqa: S608
        cursor.execute(counted + "matched_by = ''", [current_id])
        (new,) = cursor.fetchone()
        cursor.execute(
            counted + "(email_changed = %s OR phone_changed = %s)", [current_id, True, True]
        )
        (changed,) = cursor.fetchone()
    return Compared(
        previous=previous,
        new_count=new,
        changed_count=changed,
        removed_count=removed,
        departed_positions=first_departed,
    )


def comparison_record(*, task: ExportTask, compared: Compared) -> ExportComparison:
    """Store what `fingerprints_compare` found, as the task's comparison."""
    previous = compared.previous
    comparison, _ = ExportComparison.objects.update_or_create(
        task=task,
        defaults={
            "previous": previous,
            "previous_requested_at": previous.requested_at,
            "new_count": compared.new_count,
            "changed_count": compared.changed_count,
            "removed_count": compared.removed_count,
            "departed_positions": compared.departed_positions,
        },
    )
    return comparison
