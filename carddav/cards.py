"""The cards of a member's book, each with its href (the contact's vCard UID) and ETag.

The one door of the CardDAV layer to the exports app: the rest of the layer imports this
module only, and speaks only of UIDs, ETags and card text. Behind it, by concern, the
modules that read the exports app:

- `books`: which export a member's collection serves, and a card's text from its contact;
- `index`: the index of hrefs and ETags (`models.Card`) written once per export, with
  the download's UIDs (`exports.downloads.uids`);
- `reads`: the cards of listings, multiget and addressbook-query;
- `delta`: the sync delta between two books.
"""

from __future__ import annotations

from carddav.books import (
    BATCH,
    CONTENT_TYPE,
    VCARD_VERSION,
    Book,
    CardRef,
    CardText,
    SyncVersion,
    book_current,
    book_for_token,
    books_unindexed,
)
from carddav.delta import Delta, cards_changed
from carddav.index import ETAG_SALT, book_index
from carddav.reads import (
    FILTERABLE,
    TextMatch,
    cards_among,
    cards_get,
    cards_listed,
    cards_matching,
    cards_with_text,
)

__all__ = [
    "BATCH",
    "CONTENT_TYPE",
    "ETAG_SALT",
    "FILTERABLE",
    "VCARD_VERSION",
    "Book",
    "CardRef",
    "CardText",
    "Delta",
    "SyncVersion",
    "TextMatch",
    "book_current",
    "book_for_token",
    "book_index",
    "books_unindexed",
    "cards_among",
    "cards_changed",
    "cards_get",
    "cards_listed",
    "cards_matching",
    "cards_with_text",
]
