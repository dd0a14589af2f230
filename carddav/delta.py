"""The sync delta between two books: the cards changed or new, and the hrefs removed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from carddav.books import BATCH, Book, CardText, with_text
from carddav.index import book_index
from carddav.models import Card, CardChange, CardDelta
from exports.models import ExportTask


@dataclass(frozen=True, slots=True)
class Delta:
    changed: Iterator[CardText]
    removed: Iterator[str]


def cards_changed(*, book: Book, since: Book) -> Delta:
    """Return the cards of `book` that `since` does not hold as they are (new, or another
    ETag), and the UIDs of `since` that `book` no longer holds.

    The two indexes are compared on the (task, uid) key once per pair, the first time a
    client asks; the differences are kept (`CardDelta`), so every later sync between the
    two, from any device, reads a few rows. Compared by href and ETag rather than taken
    from the exports' comparison, which finds the same person again: a card's bytes also
    change where it sees no change (a new name), and a new e-mail is a new href.
    """
    delta = _delta(book.task, since)
    changes = CardChange.objects.filter(delta=delta)

    # Pages of the (delta, position) key, not a server-side cursor: a sync after an export
    # is a few rows, which one query each brings, where a cursor costs several round trips.
    def changed_cards() -> Iterator[CardText]:
        changed = changes.filter(position__isnull=False).order_by("position")
        after = -1
        while batch := list(
            changed.filter(position__gt=after).values_list("position", "uid", "etag")[:BATCH]
        ):
            yield from with_text(book.task, batch)
            if len(batch) < BATCH:
                return
            after = batch[-1][0]

    def removed() -> Iterator[str]:
        gone = changes.filter(position__isnull=True).order_by("pk")
        after = 0
        while batch := list(gone.filter(pk__gt=after).values_list("pk", "uid")[:BATCH]):
            for _, uid in batch:
                yield uid
            if len(batch) < BATCH:
                return
            after = batch[-1][0]

    return Delta(changed=changed_cards(), removed=removed())


def _delta(task: ExportTask, since: Book) -> CardDelta:
    found = CardDelta.objects.filter(task=task, since=since.task).first()
    if found is not None:
        return found
    book_index(book=since)
    try:
        with transaction.atomic():
            delta = CardDelta.objects.create(task=task, since=since.task)
            same = Card.objects.filter(task=since.task, uid=OuterRef("uid"), etag=OuterRef("etag"))
            changed = (
                Card.objects.filter(task=task)
                .exclude(Exists(same))
                .values_list("position", "uid", "etag")
            )
            still_held = Card.objects.filter(task=task, uid=OuterRef("uid"))
            removed = (
                Card.objects.filter(task=since.task)
                .exclude(Exists(still_held))
                .order_by("position")
                .values_list("uid", flat=True)
            )
            rows = itertools.chain(
                (
                    CardChange(delta=delta, position=position, uid=uid, etag=etag)
                    for position, uid, etag in changed.iterator(BATCH)
                ),
                (CardChange(delta=delta, uid=uid) for uid in removed.iterator(BATCH)),
            )
            for batch in _batches(rows, BATCH):
                CardChange.objects.bulk_create(batch)
            return delta
    except IntegrityError:
        # Another request wrote the same pair first.
        return CardDelta.objects.get(task=task, since=since.task)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while batch := list(itertools.islice(items, size)):
        yield batch
