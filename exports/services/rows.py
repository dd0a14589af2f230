"""The rows ingest writes, named: one NamedTuple per table, whose fields are its columns.

A NamedTuple is a tuple, so the rows go to COPY and executemany as they are; a new column
is a new field, never a shifted position.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from exports import collation, matching
from exports.duplicates import NOT_LISTED_TWICE, DuplicateKeys
from exports.linkedin_api import LinkedInContact
from exports.models import ExportTask
from exports.packed import PackedValues
from exports.phones import PhoneReader
from exports.same_person import Grouping
from exports.sort_ranks import RANK_COLUMNS, SortKeys


class ContactRow(NamedTuple):
    """One `Contact`, as ingest stores it."""

    task: int
    position: int
    name: str
    email: str
    phone: str
    search_text: str
    raw: str  # JSON text
    phone_international: str
    email_key: str
    name_rank: int
    email_rank: int
    phone_rank: int
    duplicate_group: int | None
    duplicate_listing: int | None
    duplicate_rule: int | None
    duplicate_rank: int | None


class FingerprintRow(NamedTuple):
    """One `ContactFingerprint`, as ingest stores it before the comparison fills it in."""

    task: int
    position: int
    email: int
    phone: int
    name: int
    reach: int
    matched_by: str
    email_changed: bool
    phone_changed: bool


CONTACT_COLUMNS = ContactRow._fields
FINGERPRINT_COLUMNS = FingerprintRow._fields
# The columns the comparison looks up by, whose statistics PostgreSQL needs.
FINGERPRINT_KEYS = ["task", "position", "email", "phone", "name", "reach"]

if not set(RANK_COLUMNS) <= set(CONTACT_COLUMNS):  # a new sort needs its rank column here
    raise ImportError(f"ContactRow lacks a rank column of {RANK_COLUMNS}")


@dataclass
class BookKeys:
    """What the first reading of a book keeps for the second, a few bytes a contact."""

    sort_keys: SortKeys = field(default_factory=SortKeys)
    duplicates: DuplicateKeys = field(default_factory=DuplicateKeys)
    # Each contact's phone in international form: parsing a number is slow, so it is
    # parsed once, in the first reading.
    internationals: PackedValues = field(default_factory=PackedValues)


def fingerprint_rows(
    *, task: ExportTask, contacts: Iterator[LinkedInContact], region: str, book: BookKeys
) -> Iterator[FingerprintRow]:
    """Yield the fingerprint row of each contact that has something to compare, keeping
    its keys in `book`.
    """
    fingerprint = matching.fingerprinter(owner_id=task.owner_id)
    # Its memory goes with this reading: the sort that follows is ingest's peak.
    phones = PhoneReader(region=region)
    for position, contact in enumerate(contacts):
        name, email, phone = contact.name, contact.email, contact.phone
        book.sort_keys.add(position, contact)
        international = phones.international(phone)
        book.internationals.append(international.encode())
        email_key = matching.email_key(email)
        # A number that does not parse is still a number: compared with other exports as
        # sent, but never taken for another contact's.
        reachable = international or phone
        email_print, phone_print = fingerprint(email_key), fingerprint(reachable)
        book.duplicates.add(email=email_print, phone=phone_print if international else 0, name=name)
        if email_key or phone or name:
            yield FingerprintRow(
                task=task.pk,
                position=position,
                email=email_print,
                phone=phone_print,
                name=fingerprint(matching.name_key(name)),
                reach=fingerprint(f"{email_key}\x00{reachable}" if email_key or phone else ""),
                matched_by="",
                email_changed=False,
                phone_changed=False,
            )


def contact_rows(
    *,
    task: ExportTask,
    contacts: Iterator[LinkedInContact],
    internationals: PackedValues,
    ranks: dict[str, array],
    grouping: Grouping,
    places: array,
) -> Iterator[ContactRow]:
    """Yield one row per contact; `ranks` holds each rank column's rank of every position,
    `grouping` each position's person and listing, `places` each position's rank on the
    duplicates page (`NOT_LISTED_TWICE` for none).
    """
    name_ranks, email_ranks, phone_ranks = (
        ranks["name_rank"],
        ranks["email_rank"],
        ranks["phone_rank"],
    )
    for position, contact in enumerate(contacts):
        name, email, phone = contact.name, contact.email, contact.phone
        group, listing = grouping.person[position], grouping.listing[position]
        listed = listing != NOT_LISTED_TWICE
        yield ContactRow(
            task=task.pk,
            position=position,
            name=name,
            email=email,
            phone=phone,
            search_text=collation.search_text(name, email, phone),
            raw=contact.json,
            phone_international=internationals[position].decode(),
            email_key=matching.email_key(email),
            name_rank=name_ranks[position],
            email_rank=email_ranks[position],
            phone_rank=phone_ranks[position],
            duplicate_group=group if group != NOT_LISTED_TWICE else None,
            duplicate_listing=listing if listed else None,
            # The listing's rule when it is one person; 0 when its contacts share a phone.
            duplicate_rule=int(grouping.listing_rules.get(listing, 0)) if listed else None,
            duplicate_rank=places[position] if listed else None,
        )
