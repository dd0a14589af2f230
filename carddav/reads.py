"""The reads of a book's cards that the reports ask for: listings, multiget and query."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from carddav.books import BATCH, Book, CardRef, CardText, card_batches, with_text
from carddav.lookups import AnyOf
from carddav.models import Card
from exports.models import Contact, ExportTask


@dataclass(frozen=True, slots=True)
class TextMatch:
    """One `prop-filter` with a `text-match` of an addressbook-query (RFC 6352 10.5)."""

    prop: str  # FN, N, EMAIL, TEL or UID
    text: str
    match_type: str = "contains"  # equals, contains, starts-with, ends-with
    negate: bool = False


FILTERABLE = frozenset({"FN", "N", "EMAIL", "TEL", "UID"})
_LOOKUPS = {
    "equals": "iexact",
    "contains": "icontains",
    "starts-with": "istartswith",
    "ends-with": "iendswith",
}


def cards_listed(*, book: Book) -> Iterator[CardRef]:
    """Yield the href and ETag of every card, in the book's order, a batch at a time."""
    for batch in card_batches(Card.objects.filter(task=book.task)):
        for _, uid, etag in batch:
            yield CardRef(uid, etag)


def cards_with_text(*, book: Book) -> Iterator[CardText]:
    """Yield every card with its text, in the book's order, a batch at a time."""
    for batch in card_batches(Card.objects.filter(task=book.task)):
        yield from with_text(book.task, batch)


def cards_get(*, book: Book, uids: Iterable[str]) -> Iterator[CardText | str]:
    """Yield each of `uids` as its card, in the order asked; a UID the book does not hold
    comes back as it was given (a 404 entry of a multiget).
    """
    uids = iter(uids)
    while wanted := list(itertools.islice(uids, BATCH)):
        rows = Card.objects.filter(AnyOf("uid", set(wanted)), task=book.task).values_list(
            "position", "uid", "etag"
        )
        found = {card.uid: card for card in with_text(book.task, list(rows))}
        for uid in wanted:
            yield found.get(uid, uid)


def cards_among(*, book: Book, uids: Iterable[str]) -> Iterator[CardText | str]:
    """Yield the cards of `uids` in the book's order, then each of `uids` the book does not
    hold, as given: a walk of the index by position, as a listing reads it.

    For a multiget of much of the book (a client's first full sync asks for every card, in
    no order: vdirsyncer sends a set): looking up each href is an index descent for the
    card and another for its contact, where a walk reads both as ranges of their keys.
    """
    left = set(uids)
    for batch in card_batches(Card.objects.filter(task=book.task)):
        for card in with_text(book.task, [row for row in batch if row[1] in left]):
            left.discard(card.uid)
            yield card
    yield from left


def cards_matching(
    *, book: Book, matches: list[list[TextMatch]], all_of: bool, limit: int | None
) -> Iterator[CardText]:
    """Yield the cards matching `matches` in the book's order: all of its groups, or any,
    each group matching when any of its text matches does.
    """
    combined = Q()
    for group in matches:
        either = Q()
        for match in group:
            either |= _condition(book.task, match)
        combined = (combined & either) if all_of else (combined | either)
    positions = Contact.objects.filter(combined, task=book.task).values("position")
    cards = Card.objects.filter(task=book.task, position__in=positions)
    yielded = 0
    for batch in card_batches(cards):
        for card in with_text(book.task, batch):
            if limit is not None and yielded >= limit:
                return
            yielded += 1
            yield card


def _condition(task: ExportTask, match: TextMatch) -> Q:
    lookup = _LOOKUPS[match.match_type]
    if match.prop == "UID":
        condition = Q(
            Exists(
                Card.objects.filter(
                    task=task, position=OuterRef("position"), **{f"uid__{lookup}": match.text}
                )
            )
        )
    elif match.prop == "EMAIL":
        condition = Q(**{f"email__{lookup}": match.text})
    elif match.prop == "TEL":
        condition = Q(**{f"phone__{lookup}": match.text}) | Q(
            **{f"phone_international__{lookup}": match.text}
        )
    else:  # FN and N: the name, as the card is written from it
        condition = Q(**{f"name__{lookup}": match.text})
    return ~condition if match.negate else condition
