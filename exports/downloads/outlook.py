"""Outlook CSV (Outlook desktop, Outlook.com, Microsoft 365), with the English header names
its importer matches. Outlook takes three e-mails; any further e-mail or phone of a merged
person goes to Notes, so none is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from exports.downloads.base import Person, connection_note, csv_chunks
from exports.downloads.formulas import neutralise_row
from exports.downloads.names import split_name

if TYPE_CHECKING:
    # Only the type: the writers import no models (`changes`).
    from exports.selectors.in_order import CardRow, PersonRow

LABEL = gettext_lazy("Outlook (CSV)")
HINT = gettext_lazy("For Outlook and Microsoft 365: People, then Import contacts.")
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
    # From the member's LinkedIn data archive (enrichment/).
    "Company",
    "Job Title",
    "Web Page",
)
EMAIL_COLUMNS = 3
PHONE_COLUMNS = 2


def write(people: Iterable[CardRow | PersonRow | Person]) -> Iterator[bytes]:
    return csv_chunks(HEADER, map(_row, people), neutralised=True)


def _row(entry: CardRow | PersonRow | Person) -> Sequence[str]:
    """The cells of a contact alone (its row, `people.cards`) or of a merged person."""
    if type(entry) is Person:
        return _person_row(entry)
    return _contact_row(entry)


def _contact_row(row: CardRow | PersonRow) -> Sequence[str]:
    """`_person_row` of the contact's `Person`, from its row: its one e-mail and phone
    each in the first column, and the connection date the only note."""
    first, middle, last = split_name(row.name)
    notes = connection_note(row.connected_on) if row.connected_on else ""
    phone = (row.phone_international or row.phone) if row.phone else ""
    return neutralise_row(
        (first, middle, last, row.email, "", "", phone, "", notes,
         row.company, row.title, row.profile_url)
    )  # fmt: skip


def _person_row(person: Person) -> Sequence[str]:
    first, middle, last = split_name(person.name)
    emails = person.emails
    phones = [phone.best for phone in person.phones]
    who = (person.company, person.title, person.url)
    simple = not (person.other_names or person.connected_on)
    if len(emails) <= EMAIL_COLUMNS and len(phones) <= PHONE_COLUMNS and simple:
        # Most people: every e-mail and phone has a column of its own, and no notes.
        cells = (
            first,
            middle,
            last,
            *emails,
            *_EMPTY[: EMAIL_COLUMNS - len(emails)],
            *phones,
            *_EMPTY[: PHONE_COLUMNS - len(phones)],
            "",
            *who,
        )
        return neutralise_row(cells)
    email_cells = [*emails[:EMAIL_COLUMNS], *_EMPTY][:EMAIL_COLUMNS]
    phone_cells = [*phones[:PHONE_COLUMNS], *_EMPTY][:PHONE_COLUMNS]
    notes = [person.connection_note] if person.connected_on else []
    if person.other_names:
        notes.append(f"Also listed as: {'; '.join(person.other_names)}")
    if more := emails[EMAIL_COLUMNS:]:
        notes.append(f"More e-mail addresses: {'; '.join(more)}")
    if more := phones[PHONE_COLUMNS:]:
        notes.append(f"More phone numbers: {'; '.join(more)}")
    return neutralise_row([first, middle, last, *email_cells, *phone_cells, "\n".join(notes), *who])


_EMPTY = ("",) * max(EMAIL_COLUMNS, PHONE_COLUMNS)
