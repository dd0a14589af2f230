"""The people of a download: one `Person` per contact, or per person when merged, with the
vCard UID that makes re-importing a file update its cards instead of adding them
(`uids.StableUids`: one UID per entry, the same in every export).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from exports import matching
from exports.collation import search_form
from exports.downloads.base import Person, Phone
from exports.downloads.blank import has_content, is_blank
from exports.downloads.uids import StableUids
from exports.duplicates import person_groups
from exports.models import ExportTask
from exports.selectors.contacts import contacts_search
from exports.selectors.in_order import CardRow, PersonRow, card_rows, person_rows


def people(*, task: ExportTask, query: str, merged: bool) -> Iterator[Person]:
    """Yield the task's contacts matching `query` in LinkedIn's order, one `Person` each
    with its vCard UID; with `merged`, one per person: the contacts of a duplicate group
    together, with every distinct e-mail and phone, in the order of the group's first
    contact. The formats without UIDs read `cards` instead (the UID's HMAC is most of a
    row's cost for them).
    """
    if not merged:
        yield from _people_with_uids(person_rows(task=task, query=query), StableUids(task=task))
        return
    uid = StableUids(task=task).uid_of
    contacts = contacts_search(task=task, query=query)
    for rows in person_groups(contacts, searched=bool(search_form(query.strip()))):
        yield merged_person(rows, uid=uid)


def cards(*, task: ExportTask, query: str, merged: bool) -> Iterator[CardRow | PersonRow | Person]:
    """Yield the entries of a CSV card download (Google, Outlook) of the task's contacts
    matching `query`, as `people` without UIDs would, less the blank ones (`blank`): a
    contact alone as its row as read (a `CardRow`, or when merged the `PersonRow` merging
    read), and with `merged` a person listed more than once as one `Person`. Most of a
    book is contacts listed once, and building a `Person` for each was a large part of
    these downloads' time.
    """
    if not merged:
        return filter(has_content, card_rows(task=task, query=query))
    return _merged_cards(task=task, query=query)


def _merged_cards(*, task: ExportTask, query: str) -> Iterator[PersonRow | Person]:
    contacts = contacts_search(task=task, query=query)
    for rows in person_groups(contacts, searched=bool(search_form(query.strip()))):
        if len(rows) == 1:
            # `merged_person` of one contact is that contact's `Person`: its row says it.
            if has_content(rows[0]):
                yield rows[0]
            continue
        person = merged_person(rows, uid=None)
        if not is_blank(person):
            yield person


def _people_with_uids(rows: Iterable[PersonRow], uids: StableUids) -> Iterator[Person]:
    for row in rows:
        yield person_of(row, uid=uids.uid(row))


def person_of(row: PersonRow, *, uid: str) -> Person:
    """Return one contact's entry of the vCard download (CardDAV serves the same card)."""
    return Person(
        name=row.name,
        emails=(row.email,) if row.email else (),
        phones=(Phone(row.phone, row.phone_international),) if row.phone else (),
        uid=uid,
        **_who(row),
    )


def merged_person(rows: list[PersonRow], *, uid: Callable[[str], str] | None) -> Person:
    """Return the one entry of a person's contacts: the first name (the others as
    `other_names`), every distinct e-mail and phone, in the order of the contacts.
    """
    names = list(dict.fromkeys(row.name for row in rows if row.name))
    # An address differing only in case is the same address: the first spelling is kept.
    emails = list({row.email_key: row.email for row in reversed(rows) if row.email}.values())[::-1]
    phones: dict[str, Phone] = {}
    for row in rows:
        # A number in two spellings is one number: compared in international form.
        same = row.phone_international or row.phone
        if row.phone and same not in phones:
            phones[same] = Phone(row.phone, row.phone_international)
    return Person(
        name=names[0] if names else "",
        emails=tuple(emails),
        phones=tuple(phones.values()),
        other_names=tuple(names[1:]),
        uid=uid(_person_key(rows, names)) if uid else "",
        **_who(next((row for row in rows if row.company or row.title), rows[0])),
    )


def _who(row: PersonRow) -> dict:
    """Who they are (enrichment/): company, position, profile and connection date."""
    return {
        "company": row.company,
        "title": row.title,
        "url": row.profile_url,
        "connected_on": row.connected_on,
    }


def _person_key(rows: list[PersonRow], names: list[str]) -> str:
    """The smallest key of the person, whatever the order: the same UID in every export."""
    return matching.match_key(
        email=min((row.email_key for row in rows if row.email_key), default=""),
        phone_international=min(
            (row.phone_international for row in rows if row.phone_international), default=""
        ),
        name=min(names, default=""),
    )
