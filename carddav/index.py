"""The index of a book's cards: each card's href (a stable vCard UID) and ETag, once per export.

Each card is the vCard download's card of the contact, with the download's UID
(`exports.downloads.uids`); the rows are `models.Card`, written with the ingest's bulk path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac

from carddav.books import BATCH, CONTACT_FIELDS, Book, person
from carddav.models import Card, CardDelta, CardIndex
from exports import bulk_insert
from exports.downloads import vcard
from exports.downloads.blank import is_blank
from exports.downloads.uids import StableUids
from exports.models import Contact, ExportTask

ETAG_SALT = "carddav.cards.etag"
_CARD_FIELDS = ("task", "position", "uid", "etag")


def book_index(*, book: Book) -> None:
    """Write the hrefs and ETags of the book's cards, once; later calls return at once.

    Each card is the vCard download's card of the contact, with the download's UID. Two
    first requests at once: the second waits for the first's transaction (the index's
    unique task) and then finds it done.
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
    uids = StableUids(task=task)
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


def _etagger(owner_id: int):
    key = salted_hmac(ETAG_SALT, str(owner_id), algorithm="sha256").digest()

    def etag(text: str) -> str:
        return hashlib.blake2b(text.encode(), key=key, digest_size=16).hexdigest()

    return etag
