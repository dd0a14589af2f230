"""The index of a book's cards: each card's href (a stable vCard UID) and ETag, once per export.

Each card is the vCard download's card of the contact, with the download's UID except
where `_StableUids` says; the rows are `models.Card`, written with the ingest's bulk path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.crypto import salted_hmac

from carddav.books import BATCH, CONTACT_FIELDS, Book, person
from carddav.models import Card, CardDelta, CardIndex
from exports import bulk_insert, matching
from exports.downloads import vcard
from exports.downloads.blank import is_blank
from exports.models import Contact, ExportTask

ETAG_SALT = "carddav.cards.etag"
_CARD_FIELDS = ("task", "position", "uid", "etag")


def book_index(*, book: Book) -> None:
    """Write the hrefs and ETags of the book's cards, once; later calls return at once.

    Each card is the vCard download's card of the contact, with the download's UID
    except where `_StableUids` says. Two first requests at once: the second waits for the
    first's transaction (the index's unique task) and then finds it done.
    """
    task = book.task
    if book.indexed or CardIndex.objects.filter(task=task).exists():
        return
    try:
        with transaction.atomic():
            index = CardIndex.objects.create(task=task)
            index.card_count = _write_cards(task)
            index.save(update_fields=["card_count"])
    except IntegrityError:
        if not CardIndex.objects.filter(task=task).exists():
            raise
    # The cards of the member's exports no longer served go: nothing asks for them again.
    gone = ExportTask.objects.filter(owner_id=task.owner_id).exclude(
        status=ExportTask.Status.SUCCEEDED
    )
    Card.objects.filter(task__in=gone).delete()
    CardIndex.objects.filter(task__in=gone).delete()
    CardDelta.objects.filter(Q(task__in=gone) | Q(since__in=gone)).delete()


def _write_cards(task: ExportTask) -> int:
    """Write the task's cards' rows with the ingest's bulk path (COPY, executemany): the
    ORM's `bulk_create` costs several times the database's own work for a whole book.
    """
    etag = _etagger(task.owner_id)
    uids = _StableUids(task=task)
    count = 0

    with bulk_insert.large_cache_while_loading():
        # One bulk insert per batch, its rows made before it starts: the batches are read
        # on the same connection, which PostgreSQL's COPY holds until it ends.
        for batch in _contact_batches(task):
            rows = []
            for row in batch:
                uid = uids.uid(row)
                card_person = person(*row.card_fields, uid=uid)
                if is_blank(card_person):
                    continue  # as in the vCard download: a blank card is nobody on a phone
                text = vcard.card(card_person)
                rows.append((task.pk, row.position, uid, etag(text)))
            bulk_insert.insert_rows(Card, _CARD_FIELDS, rows)
            count += len(rows)
    bulk_insert.refresh_planner_statistics(Card, _CARD_FIELDS)
    return count


@dataclass(frozen=True, slots=True)
class _Row:
    position: int
    name: str
    email: str
    phone: str
    phone_international: str
    email_key: str
    duplicate_group: int | None

    @property
    def card_fields(self) -> tuple[str, str, str, str]:
        return self.name, self.email, self.phone, self.phone_international


_ROW_FIELDS = (*CONTACT_FIELDS, "email_key", "duplicate_group")


def _contact_batches(task: ExportTask) -> Iterator[list[_Row]]:
    """Yield the task's contacts in order, a range of the (task, position) key at a time."""
    rows = Contact.objects.filter(task=task).order_by("position").values_list(*_ROW_FIELDS)
    after = -1
    while batch := [_Row(*row) for row in rows.filter(position__gt=after)[:BATCH]]:
        yield batch
        after = batch[-1].position


class _StableUids:
    """The vCard download's UIDs (`matching.vcard_uids` of the match key), except for the
    second and later contacts of a duplicate group.

    The download tells those apart by their distance from the group's first contact, which
    changes whenever a contact is added or removed between them: a new href for a contact
    that did not change, so a sync would send it again and the phone would drop the old
    one. Here they are told apart by what they hold (their name, e-mail and phone), and by
    a count only among contacts that hold exactly the same. A key that more than one
    contact outside a group holds is counted as well (the download gives them all one
    UID). Keys that can repeat are remembered as 8-byte digests, not as text.
    """

    def __init__(self, *, task: ExportTask):
        self._uid = matching.vcard_uids(owner_id=task.owner_id)
        self._seen: dict[bytes, int] = {}
        # E-mails and phones that more than one contact holds outside a duplicate group
        # (one held by too many contacts, a switchboard, joins nobody): counted too.
        contacts = Contact.objects.filter(task=task, duplicate_group__isnull=True)
        emails = (
            contacts.exclude(email_key="")
            .values("email_key")
            .annotate(holders=Count("pk"))
            .filter(holders__gt=1)
            .values_list("email_key", flat=True)
        )
        phones = (
            contacts.filter(email_key="")
            .exclude(phone_international="")
            .values("phone_international")
            .annotate(holders=Count("pk"))
            .filter(holders__gt=1)
            .values_list("phone_international", flat=True)
        )
        self._shared = {f"email:{email}" for email in emails} | {f"phone:{p}" for p in phones}

    def uid(self, row: _Row) -> str:
        key = matching.match_key(
            email=row.email_key, phone_international=row.phone_international, name=row.name
        )
        listed_again = row.duplicate_group is not None and row.position != row.duplicate_group
        if listed_again:
            held = "|".join((matching.name_key(row.name), row.email_key, row.phone_international))
            key = f"{key}#{hashlib.blake2b(held.encode(), digest_size=8).hexdigest()}"
        if listed_again or key in self._shared or key.startswith("name:") or not key:
            digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
            count = self._seen[digest] = self._seen.get(digest, 0) + 1
            if count > 1:
                key = f"{key}#{count}"
        return self._uid(key)


def _etagger(owner_id: int):
    key = salted_hmac(ETAG_SALT, str(owner_id), algorithm="sha256").digest()

    def etag(text: str) -> str:
        return hashlib.blake2b(text.encode(), key=key, digest_size=16).hexdigest()

    return etag
