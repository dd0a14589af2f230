"""What each download is made from: a writer's `SOURCE` names the read that feeds it.

As `django.core.serializers` maps a format to its module, `FEEDS` maps a source to its
feed: a function of the writer, the task, the search (`query`, "download what I see") and
whether the member asked for one entry per person (`merged`), each using what its source
needs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from types import ModuleType

from enrichment.selectors import companies_changed
from exports.downloads.blank import without_blanks
from exports.downloads.people import cards, people
from exports.models import ExportTask
from exports.selectors.changes import contact_changes
from exports.selectors.departed import departed_contacts
from exports.selectors.in_order import contact_rows, raw_texts

Feed = Callable[..., Iterator]


def file_body(writer: ModuleType, *, task: ExportTask, query: str, merged: bool) -> Iterator[bytes]:
    """Return the byte chunks of `writer`'s file of the task, fed by its `SOURCE`."""
    feed = FEEDS[writer.SOURCE]
    return writer.write(feed(writer, task=task, query=query, merged=merged))


def _rows(writer: ModuleType, *, task: ExportTask, query: str, merged: bool) -> Iterator:
    return contact_rows(task=task, query=query)


def _people(writer: ModuleType, *, task: ExportTask, query: str, merged: bool) -> Iterator:
    # Only the card formats read people, and a blank one would be a blank card.
    if not writer.UIDS:
        # The CSV card formats write a contact alone from its row (`people.cards`).
        return cards(task=task, query=query, merged=merged)
    return without_blanks(people(task=task, query=query, merged=merged))


def _raw(writer: ModuleType, *, task: ExportTask, query: str, merged: bool) -> Iterator[str]:
    return raw_texts(task=task, query=query)


def _changes(writer: ModuleType, *, task: ExportTask, query: str, merged: bool) -> Iterator:
    # Always the whole book's changes: the new and changed contacts, those a newer LinkedIn
    # data archive changed the company or position of, then who left.
    return itertools.chain(
        contact_changes(task=task), companies_changed(task=task), departed_contacts(task=task)
    )


FEEDS: dict[str, Feed] = {
    "rows": _rows,  # `in_order.ContactRow` per contact
    "people": _people,  # `base.Person` per contact, or per person when merged; for the
    # formats without UIDS, `in_order.CardRow` per contact alone (`people.cards`)
    "raw": _raw,  # the stored JSON text of each contact
    "changes": _changes,  # `changes.ContactChange` per new or changed contact, then
    # `enrichment.selectors.ChangedCompany` per company or position changed, then
    # `departures.Departed` per contact no longer there
}
