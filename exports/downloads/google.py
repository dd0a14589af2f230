"""Google Contacts CSV, with the header of Google's own current export.

Several e-mails or phones of one merged person share a cell, joined with ` ::: ` as
Google writes them; phones are in international form when there is one.
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

LABEL = gettext_lazy("Google Contacts (CSV)")
HINT = gettext_lazy("Import at contacts.google.com: Import, then choose this file.")
SOURCE = "people"
MERGES = True
UIDS = False
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
    # From the member's LinkedIn data archive (enrichment/), after Google's own columns.
    "Website 1 - Label",
    "Website 1 - Value",
)
SEPARATOR = " ::: "


def write(people: Iterable[CardRow | PersonRow | Person]) -> Iterator[bytes]:
    return csv_chunks(HEADER, map(_row, people), neutralised=True)


def _row(entry: CardRow | PersonRow | Person) -> tuple[str, ...]:
    """The cells of a contact alone (its row, `people.cards`) or of a merged person."""
    if type(entry) is Person:
        return _person_row(entry)
    return _contact_row(entry)


def _contact_row(row: CardRow | PersonRow) -> tuple[str, ...]:
    """`_person_row` of the contact's `Person`, from its row: one e-mail, one phone."""
    first, middle, last = split_name(row.name)
    notes = connection_note(row.connected_on) if row.connected_on else ""
    phone = (row.phone_international or row.phone) if row.phone else ""
    return _cells(
        neutralise_row((first, middle, last, notes, row.email, phone)),
        (row.company, row.title, row.profile_url),
    )


def _person_row(person: Person) -> tuple[str, ...]:
    first, middle, last = split_name(person.name)
    notes = f"Also listed as: {'; '.join(person.other_names)}" if person.other_names else ""
    if person.connected_on:
        notes = "\n".join(filter(None, (person.connection_note, notes)))
    emails = SEPARATOR.join(person.emails)
    phones = SEPARATOR.join([phone.best for phone in person.phones])
    return _cells(
        neutralise_row((first, middle, last, notes, emails, phones)),
        (person.company, person.title, person.url),
    )


def _cells(shown: Sequence[str], archive: tuple[str, str, str]) -> tuple[str, ...]:
    """The row in HEADER's order, from the name, notes, e-mail and phone cells (already
    neutralised) and the archive's company, position and profile.

    Only the cells with content go through the formula rule, not the 15 always empty; a
    literal per row, where a dict keyed by column was a large part of the download's time,
    and each empty cell written out: unpacking tuples of them took a third of this.
    """
    first, middle, last, notes, emails, phones = shown
    if not any(archive):
        # First to last name, phonetic names to "File As", organization to birthday, notes,
        # photo and labels, e-mail label and value, phone label and value, website.
        return (first, middle, last, "", "", "", "", "", "", "", "", "", "", "",
                notes, "", "", "", emails, "", phones, "", "")  # fmt: skip
    company, title, url = neutralise_row(archive)
    return (first, middle, last, "", "", "", "", "", "", "", company, title, "", "",
            notes, "", "", "", emails, "", phones, "Profile" if url else "", url)  # fmt: skip
