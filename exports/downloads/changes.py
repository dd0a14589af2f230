"""The changes since the member's previous export: the new and the changed contacts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from exports.downloads.base import csv_chunks
from exports.selectors.changes import ContactChange

LABEL = "Changes since the previous export (CSV)"
HINT = "Who is new and who changed e-mail or phone since your previous export."
SOURCE = "changes"
MERGES = False
CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_SUFFIX = "-changes.csv"
HEADER = (
    "Change",
    "Name",
    "Email Address",
    "Phone Number",
    "Phone Number (International)",
    "Previous Email Address",
    "Previous Phone Number",
)


def write(changes: Iterable[ContactChange]) -> Iterator[bytes]:
    return csv_chunks(HEADER, map(_row, changes))


def _row(change: ContactChange) -> tuple[str, ...]:
    """A change's cells, in HEADER's order; the previous ones are "" once the previous
    export is purged.
    """
    return (
        _kind(change),
        change.name,
        change.email,
        change.phone,
        change.phone_international,
        change.previous_email,
        change.previous_phone,
    )


def _kind(change: ContactChange) -> str:
    if change.new:
        return "new"
    if change.email_changed and change.phone_changed:
        return "changed e-mail and phone"
    return "changed e-mail" if change.email_changed else "changed phone"
