"""Reads of how a book changed since the member's previous export: for its page (the
first few new and changed contacts, and who left) and for the changes download (all of
them).

The comparison is stored at ingest as one fingerprint row per contact (`matched_by` empty
for a new contact, the `*_changed` flags for a changed one); the contacts themselves are
read from the two books, and the previous one may be purged by now.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

from django.db import connection
from django.db.models import Q

from exports import departures
from exports.models import Contact, ContactFingerprint, ExportComparison, ExportTask
from exports.selectors.departed import departed_named, sql_table
from exports.selectors.in_order import DOWNLOAD_FIRST_ROWS, DOWNLOAD_ROWS


@dataclass(frozen=True)
class ChangedContact:
    contact: Contact
    previous: Contact | None  # None once the previous export's contacts are purged
    email_changed: bool
    phone_changed: bool


@dataclass(frozen=True)
class Changes:
    comparison: ExportComparison
    new: list[Contact]
    changed: list[ChangedContact]
    previous_purged: bool
    # Who left, by name while the previous export's contacts are stored, else None.
    departed: list[departures.Departed] | None
    departed_text: str


class ContactChange(NamedTuple):
    """A new or changed contact; `previous_*` are "" unless that field changed and the
    previous export's contacts are still there. The flags are as the database gives them
    (SQLite's 0 and 1 for False and True).
    """

    new: bool
    email_changed: bool
    phone_changed: bool
    name: str
    email: str
    phone: str
    phone_international: str
    previous_email: str
    previous_phone: str
    position: int


class _Fingerprint(NamedTuple):
    previous_position: int | None
    matched_by: str
    email_changed: bool
    phone_changed: bool
    position: int


class _Compared(NamedTuple):
    """The fields of a contact the changes show."""

    name: str
    email: str
    phone: str
    phone_international: str


_SHOWN_FIELDS = _Compared._fields
# Rows are made by `tuple.__new__` mapped over a batch, as `in_order` makes them.
_new_row = tuple.__new__


def export_changes(*, task: ExportTask, limit: int = 20) -> Changes | None:
    """Return how the task's book changed since the previous export, with the first
    `limit` new and changed contacts; None for a member's first export.
    """
    try:
        comparison = task.comparison  # no query when `export_get_for_owner` read the task
    except ExportComparison.DoesNotExist:
        return None
    fingerprints = ContactFingerprint.objects.filter(task=task).order_by("position")
    # Each list is a walk of its partial index (`fingerprint_new`, `fingerprint_changed`),
    # and no query at all when the comparison counted none.
    new_positions = (
        list(fingerprints.filter(matched_by="").values_list("position", flat=True)[:limit])
        if comparison.new_count
        else []
    )
    changed = (
        list(
            fingerprints.filter(Q(email_changed=True) | Q(phone_changed=True)).values_list(
                *_Fingerprint._fields, named=True
            )[:limit]
        )
        if comparison.changed_count
        else []
    )
    current = _contacts_at(task, [*new_positions, *(row.position for row in changed)])
    previous = _contacts_at(comparison.previous, [row.previous_position for row in changed])
    departed = departed_named(comparison)
    return Changes(
        comparison=comparison,
        new=[current[position] for position in new_positions if position in current],
        changed=[
            ChangedContact(
                current[row.position],
                previous.get(row.previous_position),
                row.email_changed,
                row.phone_changed,
            )
            for row in changed
            if row.position in current
        ],
        previous_purged=departed is None,
        departed=departed,
        departed_text=departures.departed_summary(
            count=comparison.removed_count, shown=len(departed or ()), purged=departed is None
        ),
    )


def contact_changes(*, task: ExportTask) -> Iterator[ContactChange]:
    """Yield every new and changed contact of the task in LinkedIn's order, in batches."""
    # The cells come as the database gives them, in `ContactChange`'s order, and the batches
    # are chained in C: no Python runs per row to read them.
    batches = _change_batches(task)
    return itertools.chain.from_iterable(
        map(_new_row, repeat(ContactChange), batch) for batch in batches
    )


def _change_batches(task: ExportTask) -> Iterator[list[tuple]]:
    comparison = ExportComparison.objects.filter(task=task).values("previous_id").first()
    if comparison is None:
        return
    after, size = -1, DOWNLOAD_FIRST_ROWS
    while True:
        sql, params = _changes_sql(
            task_id=task.pk, previous_id=comparison["previous_id"], after=after, limit=size
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            batch = cursor.fetchall()
        if batch:
            yield batch
        if len(batch) < size:
            return
        after, size = batch[-1][-1], DOWNLOAD_ROWS


def _changes_sql(
    *, task_id: int, previous_id: int | None, after: int, limit: int
) -> tuple[str, list]:
    """Return SQL (and its parameters) reading the next `limit` new and changed contacts
    after position `after`, each its fingerprint joined with the contact it is now and,
    for a changed one, the contact it was (none once the previous export is purged): one
    statement per batch, in `ContactChange`'s columns.
    """
    fingerprints, contacts = sql_table(ContactFingerprint), sql_table(Contact)
    sql = (
        "SELECT f.matched_by = '', f.email_changed, f.phone_changed,"  # noqa: S608 (no input)
        " c.name, c.email, c.phone, c.phone_international,"
        " CASE WHEN f.email_changed THEN COALESCE(p.email, '') ELSE '' END,"
        " CASE WHEN f.phone_changed THEN COALESCE(p.phone, '') ELSE '' END,"
        " f.position"
        f" FROM {fingerprints} f"
        f" JOIN {contacts} c ON c.task_id = f.task_id AND c.position = f.position"
        f" LEFT JOIN {contacts} p ON p.task_id = %s AND p.position = f.previous_position"
        " AND f.matched_by <> ''"
        # The bound on the contacts too: else PostgreSQL's merge join reads them from the
        # book's start for every batch.
        " WHERE f.task_id = %s AND f.position > %s AND c.position > %s"
        " AND (f.matched_by = '' OR f.email_changed OR f.phone_changed)"
        " ORDER BY f.position LIMIT %s"
    )
    return sql, [previous_id, task_id, after, after, limit]


def _contacts_at(task: ExportTask | None, positions: list[int | None]) -> dict[int, Contact]:
    wanted = [position for position in positions if position is not None]
    if task is None or not wanted:
        return {}
    contacts = Contact.objects.filter(task=task, position__in=wanted).only(
        "position", *_SHOWN_FIELDS
    )
    return {contact.position: contact for contact in contacts}
