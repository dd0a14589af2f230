"""Google Contacts CSV, with the header of Google's own current export.

Several e-mails or phones of one merged person share a cell, joined with ` ::: ` as
Google writes them; phones are in international form when there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from exports.downloads.base import Person, csv_chunks
from exports.downloads.names import split_name

LABEL = "Google Contacts (CSV)"
HINT = "Import at contacts.google.com: Import, then choose this file."
SOURCE = "people"
MERGES = True
CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_SUFFIX = "-google.csv"
HEADER = (
    "First Name",
    "Middle Name",
    "Last Name",
    "Phonetic First Name",
    "Phonetic Middle Name",
    "Phonetic Last Name",
    "Name Prefix",
    "Name Suffix",
    "Nickname",
    "File As",
    "Organization Name",
    "Organization Title",
    "Organization Department",
    "Birthday",
    "Notes",
    "Photo",
    "Labels",
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
)
SEPARATOR = " ::: "


def write(people: Iterable[Person]) -> Iterator[bytes]:
    return csv_chunks(HEADER, (_row(person) for person in people))


def _row(person: Person) -> list[str]:
    first, middle, last = split_name(person.name)
    notes = f"Also listed as: {'; '.join(person.other_names)}" if person.other_names else ""
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "First Name": first,
            "Middle Name": middle,
            "Last Name": last,
            "Notes": notes,
            "E-mail 1 - Value": SEPARATOR.join(person.emails),
            "Phone 1 - Value": SEPARATOR.join(phone.best for phone in person.phones),
        }
    )
    return list(row.values())
