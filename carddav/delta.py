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


@dataclass(frozen=True, slots=True)
class Delta:
    changed: Iterator[CardText]
    removed: Iterator[str]


def cards_changed(*, book: Book, since: Book, since_revision: int | None = None) -> Delta | None:
    """Return the cards of `book` that `since` in its revision `since_revision` (by
    default the one it was read in) did not hold as they are (new, or another ETag), and
    the UIDs it held that `book` no longer holds; None when the cards of that revision are
    no longer known (written over since, by a later data archive's join), so the client
    must list the book again.

    Two exports' indexes are compared on the (task, uid) key once per pair, the first time
    a client asks; the differences are kept (`CardDelta`), so every later sync between the
    two, from any device, reads a few rows. Compared by href and ETag rather than taken
    from the exports' comparison, which finds the same person again: a card's bytes also
    change where it sees no change (a new name), and a new e-mail is a new href. Within one
    export, from before a data archive's join to after it, the index kept the change when
    it wrote the cards again (`index.book_index`).
    """
    revision = since.revision if since_revision is None else since_revision
    delta = _delta(book, since, revision)
    if delta is None:
        return None
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


def _delta(book: Book, since: Book, since_revision: int) -> CardDelta | None:
    task = book.task
    versions = {"task": task, "revision": book.revision, "since_revision": since_revision}
    found = CardDelta.objects.filter(since=since.task, **versions).first()
    if found is not None or since.task == task:
        return found
    since = book_index(book=since) if since.indexed_source is None else since
    if since.revision != since_revision:
        return None  # its cards of that revision were written over
    try:
        with transaction.atomic():
            delta = CardDelta.objects.create(since=since.task, **versions)
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
        return CardDelta.objects.get(since=since.task, **versions)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while batch := list(itertools.islice(items, size)):
        yield batch
