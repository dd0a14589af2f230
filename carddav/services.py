"""The CardDAV layer's work outside a request: indexes written ahead of a phone's sync."""

from __future__ import annotations

from datetime import datetime

from carddav import cards

# Books indexed per worker round: a large book takes a while, and the round has other work.
BOOKS_PER_ROUND = 3


def books_index_due(*, now: datetime, limit: int = BOOKS_PER_ROUND) -> int:
    """Write the card index of the newest served book of members with a device password,
    a few books a round; return how many were written.

    A book's first DAV request otherwise writes it, which for a large book can outlast a
    client's timeout. Members without a device password have no client to serve, so their
    books wait for a first request that never comes.
    """
    books = cards.books_unindexed(now=now, limit=limit)
    for book in books:
        cards.book_index(book=book)
    return len(books)
