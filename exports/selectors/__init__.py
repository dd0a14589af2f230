"""Reads of exports and contacts, always scoped to their owner, one module per concern.

- `exports`: a member's exports, one export, what a status poll reads;
- `contacts`: a book's page: search, sort and paging;
- `in_order`: a whole book (or a search's matches) in LinkedIn's order, for the downloads;
- `changes`: how a book changed since the previous export.

Reads return model instances or plain named rows, never a download's own types. The
names views call are re-exported here.
"""

from exports.selectors.changes import ChangedContact, Changes, export_changes
from exports.selectors.contacts import (
    CONTACT_SORTS,
    MAX_QUERY_LENGTH,
    ContactSort,
    contacts_page,
    contacts_search,
)
from exports.selectors.exports import export_get_for_owner, export_progress_get, exports_for_owner

__all__ = [
    "CONTACT_SORTS",
    "MAX_QUERY_LENGTH",
    "ChangedContact",
    "Changes",
    "ContactSort",
    "contacts_page",
    "contacts_search",
    "export_changes",
    "export_get_for_owner",
    "export_progress_get",
    "exports_for_owner",
]
