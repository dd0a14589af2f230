"""Reads of how a book changed since the member's previous export: for its page (the
first few new and changed contacts, and who left) and for the changes download (all of
them).

The comparison is stored at ingest as one fingerprint row per contact (`matched_by` empty
for a new contact, the `*_changed` flags for a changed one); the contacts themselves are
read from the two books, and the previous one may be purged by now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q, QuerySet

from exports import departures
from exports.models import Contact, ContactFingerprint, ExportComparison, ExportTask
from exports.selectors.departed import departed_named
from exports.selectors.in_order import batched, by_position


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
    previous export's contacts are still there.
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
    comparison = ExportComparison.objects.filter(task=task).select_related("previous").first()
    if comparison is None:
        return
    fingerprints = ContactFingerprint.objects.filter(task=task).filter(
        Q(matched_by="") | Q(email_changed=True) | Q(phone_changed=True)
    )
    for batch in batched(by_position(fingerprints, _Fingerprint)):
        # The batch's contacts, now and before, each one query joined by the database with
        # the batch's fingerprints: no list of positions to send, no model instances.
        listed = fingerprints.filter(position__range=(batch[0].position, batch[-1].position))
        current = _compared_at(task, listed.values("position"))
        previous = {}
        if any(row.matched_by for row in batch):
            matched = listed.exclude(matched_by="").values("previous_position")
            previous = _compared_at(comparison.previous, matched)
        for row in batch:
            contact = current.get(row.position)
            if contact is None:
                continue
            before = previous.get(row.previous_position) if row.matched_by else None
            yield ContactChange(
                new=not row.matched_by,
                email_changed=row.email_changed,
                phone_changed=row.phone_changed,
                name=contact.name,
                email=contact.email,
                phone=contact.phone,
                phone_international=contact.phone_international,
                previous_email=before.email if before and row.email_changed else "",
                previous_phone=before.phone if before and row.phone_changed else "",
            )


def _compared_at(task: ExportTask | None, positions: QuerySet) -> dict[int, _Compared]:
    """The shown fields of `task`'s contacts at `positions` (a query of positions), by
    position; none once the task's contacts are purged.
    """
    if task is None:
        return {}
    contacts = Contact.objects.filter(task=task, position__in=positions)
    return {
        position: _Compared(*fields)
        for position, *fields in contacts.values_list("position", *_SHOWN_FIELDS)
    }


def _contacts_at(task: ExportTask | None, positions: list[int | None]) -> dict[int, Contact]:
    wanted = [position for position in positions if position is not None]
    if task is None or not wanted:
        return {}
    contacts = Contact.objects.filter(task=task, position__in=wanted).only(
        "position", *_SHOWN_FIELDS
    )
    return {contact.position: contact for contact in contacts}
