"""The index of a book's cards: each card's href (a stable vCard UID) and ETag, once per export.

Each card is the vCard download's card of the contact (`exports.downloads.people.person_of`
of the downloads' `PersonRow`), with the download's UID (`exports.downloads.uids`); the rows
are `models.Card`, written with the ingest's bulk path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac

from carddav.books import BATCH, Book, source_of
from carddav.models import Card, CardChange, CardDelta, CardIndex
from exports import bulk_insert
from exports.downloads import vcard
from exports.downloads.blank import is_blank
from exports.downloads.people import person_of
from exports.downloads.uids import StableUids
from exports.models import Contact, ExportTask
from exports.selectors.in_order import PersonRow, batched, by_position

ETAG_SALT = "carddav.cards.etag"
_CARD_FIELDS = ("task", "position", "uid", "etag")


def book_index(*, book: Book) -> Book:
    """Write the hrefs and ETags of the book's cards, once per version of its contacts;
    return the book as its index now stands (the version a sync token names).

    Each card is the vCard download's card of the contact, with the download's UID. Two
    first requests at once: the second waits for the first's transaction (the index's
    unique task) and then finds it done. When a data archive was joined to the export
    since its index was written, the cards whose bytes changed are written again, and the
    change is kept (`CardDelta` from the previous revision) for the next sync.
    """
    if book.up_to_date:
        return book
    task = book.task
    try:
        with transaction.atomic():
            index = CardIndex.objects.select_for_update().filter(task=task).first()
            # Read again before the contacts: a join may have ended since the book was read.
            source = source_of(task)
            if index is None:
                index = CardIndex.objects.create(task=task, source=source)
                index.card_count = _write_cards(task)
                index.save(update_fields=["card_count"])
            elif index.source != source:
                index.task = task
                _rewrite_cards(index, source=source)
    except IntegrityError:
        index = CardIndex.objects.filter(task=task).first()
        if index is None:
            raise
    # The cards of the member's exports no longer served go: nothing asks for them again.
    gone = ExportTask.objects.filter(owner_id=task.owner_id).exclude(
        status=ExportTask.Status.SUCCEEDED
    )
    Card.objects.filter(task__in=gone).delete()
    CardIndex.objects.filter(task__in=gone).delete()
    CardDelta.objects.filter(Q(task__in=gone) | Q(since__in=gone)).delete()
    return replace(book, indexed_source=index.source, revision=index.revision)


def _write_cards(task: ExportTask) -> int:
    """Write the task's cards' rows with the ingest's bulk path (COPY, executemany): the
    ORM's `bulk_create` costs several times the database's own work for a whole book.
    """
    count = 0
    with bulk_insert.large_cache_while_loading():
        # One bulk insert per batch, its rows made before it starts: the batches are read
        # on the same connection, which PostgreSQL's COPY holds until it ends.
        for batch in _card_batches(task):
            bulk_insert.insert_rows(Card, _CARD_FIELDS, [(task.pk, *card) for card in batch])
            count += len(batch)
    bulk_insert.refresh_planner_statistics(Card, _CARD_FIELDS)
    return count


def _rewrite_cards(index: CardIndex, *, source: int) -> None:
    """Write again the cards of `index.task` whose bytes changed, as the next revision, and
    keep what changed since the previous one (a `CardDelta` of the task to itself).

    Only a data archive changes a stored export's contacts (company, position, profile,
    connection date): what makes a card's UID (name, e-mail, phone) stays, so the same
    positions keep the same hrefs and only their ETags change.
    """
    task = index.task
    changed: list[tuple[int, str, str]] = []
    removed: list[str] = []

    def drop(held: dict[int, tuple[str, str]], positions: list[int]) -> None:
        removed.extend(held[position][0] for position in positions)
        Card.objects.filter(task=task, position__in=positions).delete()

    after = -1
    for batch in _card_batches(task):
        held = _held(task, after, batch[-1][0])
        moved = [card for card in batch if held.get(card[0]) != card[1:]]
        written = {position for position, _, _ in batch}
        drop(held, [p for p in held if p not in written] + [p for p, *_ in moved if p in held])
        changed += moved
        after = batch[-1][0]
    held = _held(task, after, None)
    drop(held, list(held))
    # A UID written again elsewhere in the book is not removed (never so after a join).
    kept = {uid for _, uid, _ in changed}
    removed = [uid for uid in removed if uid not in kept]
    bulk_insert.insert_rows(Card, _CARD_FIELDS, [(task.pk, *card) for card in changed])
    CardDelta.objects.filter(task=task).delete()  # from the earlier revision: none holds now
    revision = index.revision + 1
    delta = CardDelta.objects.create(
        task=task, revision=revision, since=task, since_revision=index.revision
    )
    CardChange.objects.bulk_create(
        [
            *(CardChange(delta=delta, position=p, uid=uid, etag=etag) for p, uid, etag in changed),
            *(CardChange(delta=delta, uid=uid) for uid in removed),
        ],
        batch_size=BATCH,
    )
    index.revision, index.source = revision, source
    index.card_count = Card.objects.filter(task=task).count()
    index.save(update_fields=["revision", "source", "card_count"])


def _held(task: ExportTask, after: int, last: int | None) -> dict[int, tuple[str, str]]:
    """The task's cards as written, by position, after `after` up to `last` (or the end)."""
    cards = Card.objects.filter(task=task, position__gt=after)
    if last is not None:
        cards = cards.filter(position__lte=last)
    return {position: (uid, etag) for position, uid, etag in cards.values_list(*_CARD_FIELDS[1:])}


def _card_batches(task: ExportTask) -> Iterator[list[tuple[int, str, str]]]:
    """Yield (position, uid, etag) of the task's cards in order, a batch at a time: each
    the vCard download's card of a contact (a blank contact makes none, as there).
    """
    etag = _etagger(task.owner_id)
    uids = StableUids(task=task)
    for rows in batched(by_position(Contact.objects.filter(task=task), PersonRow)):
        batch = []
        for row in rows:
            uid = uids.uid(row)
            card_person = person_of(row, uid=uid)
            if is_blank(card_person):
                continue  # as in the vCard download: a blank card is nobody on a phone
            batch.append((row.position, uid, etag(vcard.card(card_person))))
        if batch:
            yield batch


def _etagger(owner_id: int):
    key = salted_hmac(ETAG_SALT, str(owner_id), algorithm="sha256").digest()

    def etag(text: str) -> str:
        return hashlib.blake2b(text.encode(), key=key, digest_size=16).hexdigest()

    return etag
