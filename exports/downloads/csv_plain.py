"""Plain CSV: one row per contact, the phone as LinkedIn sent it and in international form."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from exports.downloads.base import Person, csv_chunks

LABEL = "CSV"
HINT = "For a CRM, a database or any program that reads CSV (UTF-8)."
SOURCE = "people"
MERGES = False
CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_SUFFIX = ".csv"
HEADER = ("Name", "Email Address", "Phone Number", "Phone Number (International)")
BYTE_ORDER_MARK = False


def rows(people: Iterable[Person]) -> Iterator[tuple[str, str, str, str]]:
    for person in people:
        phone = person.phones[0] if person.phones else None
        yield (
            person.name,
            person.emails[0] if person.emails else "",
            phone.as_sent if phone else "",
            phone.international if phone else "",
        )


def write(people: Iterable[Person]) -> Iterator[bytes]:
    return csv_chunks(HEADER, rows(people), byte_order_mark=BYTE_ORDER_MARK)
