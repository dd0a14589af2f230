"""The vCard UID of each entry of a book: the same for the same entry in every export, and
never one UID for two entries of one file (a phone would keep only one of them).

A UID comes from the entry's match key (`matching.vcard_uids` of `matching.match_key`).
Where several entries have one key, they are told apart:

- the second and later entries of a person listed more than once, by what they hold
  (name, e-mail and phone), not by their distance from the person's first entry, which
  changes whenever a contact is added or removed between them;
- entries with a key that more than one of them hold and that no rule made one person
  (an e-mail or phone held by more than `same_person.MAX_SHARED` contacts, a phone shared
  by people of different names, the same name and nothing else), by a count among the
  holders, in the book's order.

Keys that can repeat are remembered as 8-byte digests, not as text. The vCard download and
the CardDAV address book both use it, so a card's href is the download's UID.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from django.db.models import Count, F, Q

from exports import matching
from exports.models import Contact, ExportTask


class Entry(Protocol):
    """What says who an entry is (a `PersonRow`, a CardDAV index row)."""

    position: int
    name: str
    email_key: str
    phone_international: str
    duplicate_group: int | None


class StableUids:
    """The UIDs of one book's entries (or of its people, merged)."""

    def __init__(self, *, task: ExportTask):
        self._uid = matching.vcard_uids(owner_id=task.owner_id)
        self._seen: dict[bytes, int] = {}
        # The keys more than one entry holds as its own, apart from the second and later
        # entries of a person (those are told apart above): one GROUP BY per key kind.
        entries = Contact.objects.filter(task=task).filter(
            Q(duplicate_group__isnull=True) | Q(position=F("duplicate_group"))
        )
        emails = (
            entries.exclude(email_key="")
            .values("email_key")
            .annotate(holders=Count("pk"))
            .filter(holders__gt=1)
            .values_list("email_key", flat=True)
        )
        phones = (
            entries.filter(email_key="")
            .exclude(phone_international="")
            .values("phone_international")
            .annotate(holders=Count("pk"))
            .filter(holders__gt=1)
            .values_list("phone_international", flat=True)
        )
        self._shared = {f"email:{email}" for email in emails} | {f"phone:{p}" for p in phones}

    def uid(self, entry: Entry) -> str:
        """The UID of one contact's card."""
        key = matching.match_key(
            email=entry.email_key, phone_international=entry.phone_international, name=entry.name
        )
        listed_again = entry.duplicate_group is not None and entry.position != entry.duplicate_group
        if listed_again:
            held = "|".join(
                (matching.name_key(entry.name), entry.email_key, entry.phone_international)
            )
            key = f"{key}#{hashlib.blake2b(held.encode(), digest_size=8).hexdigest()}"
        return self.uid_of(key, counted=listed_again)

    def uid_of(self, key: str, *, counted: bool = False) -> str:
        """The UID of the entry with match key `key` (a merged person's), counted among the
        entries of the same key when it can repeat (or when `counted`)."""
        if counted or key in self._shared or key.startswith("name:") or not key:
            digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
            count = self._seen[digest] = self._seen.get(digest, 0) + 1
            if count > 1:
                key = f"{key}#{count}"
        return self._uid(key)
