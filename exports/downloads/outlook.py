"""Outlook CSV (Outlook desktop, Outlook.com, Microsoft 365), with the English header names
its importer matches. Outlook takes three e-mails; any further e-mail or phone of a merged
person goes to Notes, so none is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from exports.downloads.base import Person, csv_chunks
from exports.downloads.names import split_name

LABEL = "Outlook (CSV)"
HINT = "For Outlook and Microsoft 365: People, then Import contacts."
SOURCE = "people"
MERGES = True
UIDS = False
CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_SUFFIX = "-outlook.csv"
HEADER = (
    "First Name",
    "Middle Name",
    "Last Name",
    "E-mail Address",
    "E-mail 2 Address",
    "E-mail 3 Address",
    "Mobile Phone",
    "Other Phone",
    "Notes",
)
EMAIL_COLUMNS = 3
PHONE_COLUMNS = 2


def write(people: Iterable[Person]) -> Iterator[bytes]:
    return csv_chunks(HEADER, (_row(person) for person in people))


def _row(person: Person) -> list[str]:
    first, middle, last = split_name(person.name)
    emails = [*person.emails[:EMAIL_COLUMNS], *[""] * EMAIL_COLUMNS][:EMAIL_COLUMNS]
    phones = [phone.best for phone in person.phones]
    phone_cells = [*phones[:PHONE_COLUMNS], *[""] * PHONE_COLUMNS][:PHONE_COLUMNS]
    notes = []
    if person.other_names:
        notes.append(f"Also listed as: {'; '.join(person.other_names)}")
    if more := person.emails[EMAIL_COLUMNS:]:
        notes.append(f"More e-mail addresses: {'; '.join(more)}")
    if more := phones[PHONE_COLUMNS:]:
        notes.append(f"More phone numbers: {'; '.join(more)}")
    return [first, middle, last, *emails, *phone_cells, "\n".join(notes)]
