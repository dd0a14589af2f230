"""Reads of a whole book, or a search's matches, in LinkedIn's order, for the downloads.

Each row is a named tuple whose fields are the columns read. A book of any size streams
with flat memory: rows are read in batches, each a range of the `(task, position)` key, a
small first batch so the first chunk of a download leaves at once, then larger ones. Not
one cursor over the book: outside a transaction, PostgreSQL runs a held cursor's whole
query (and keeps its result) before the first row.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeVar

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from exports.models import ExportTask
from exports.selectors.contacts import contacts_search

DOWNLOAD_FIRST_ROWS = 200
DOWNLOAD_ROWS = 2000


class ContactRow(NamedTuple):
    """A contact as the plain CSV writes it: the phone as sent and in international form."""

    name: str
    email: str
    phone: str
    phone_international: str
    position: int


class PersonRow(NamedTuple):
    """A contact with what says who it is: its e-mail key and its duplicate group (the
    position of the group's first contact, None for a contact listed once).
    """

    name: str
    email: str
    phone: str
    phone_international: str
    email_key: str
    duplicate_group: int | None
    position: int


class RawRow(NamedTuple):
    raw_text: str  # LinkedIn's JSON of the contact, as stored
    position: int


Row = TypeVar("Row", bound=tuple)


def contact_rows(*, task: ExportTask, query: str = "") -> Iterator[ContactRow]:
    """Yield each contact matching `query`, in LinkedIn's order, as the database gives it."""
    return by_position(contacts_search(task=task, query=query), ContactRow)


def person_rows(*, task: ExportTask, query: str = "") -> Iterator[PersonRow]:
    """Yield each contact matching `query` with its keys and group, in LinkedIn's order."""
    return by_position(contacts_search(task=task, query=query), PersonRow)


def raw_rows(*, task: ExportTask, query: str = "") -> Iterator[RawRow]:
    """Yield the stored JSON text of each contact matching `query`, in LinkedIn's order,
    without decoding it.
    """
    contacts = contacts_search(task=task, query=query).annotate(
        raw_text=Cast("raw", output_field=TextField())
    )
    return by_position(contacts, RawRow)


def by_position(rows: QuerySet, row_type: type[Row]) -> Iterator[Row]:
    """Yield `rows` (contacts or fingerprints of one task) in LinkedIn's order, each a
    `row_type` of the columns it names (one of them `position`), in batches.
    """
    named = _maker(row_type)
    values = rows.order_by("position").values_list(*row_type._fields)
    after, size = -1, DOWNLOAD_FIRST_ROWS
    while batch := list(map(named, values.filter(position__gt=after)[:size])):
        yield from batch
        if len(batch) < size:
            return
        after, size = batch[-1].position, DOWNLOAD_ROWS


def batched(items: Iterator[Row]) -> Iterator[list[Row]]:
    """Yield lists of `items`: `DOWNLOAD_FIRST_ROWS` first, so a download's first chunk
    waits for no more than `by_position`'s first read, then `DOWNLOAD_ROWS` at a time.
    """
    size = min(DOWNLOAD_FIRST_ROWS, DOWNLOAD_ROWS)
    while batch := list(itertools.islice(items, size)):
        yield batch
        size = DOWNLOAD_ROWS


def streamed(rows: QuerySet, row_type: type[Row]) -> Iterator[Row]:
    """Yield `rows` in their own order, each a `row_type`, through one cursor read
    `DOWNLOAD_ROWS` at a time.
    """
    values = rows.values_list(*row_type._fields).iterator(DOWNLOAD_ROWS)
    return map(_maker(row_type), values)


def as_rows(rows: QuerySet, row_type: type[Row]) -> Iterator[Row]:
    """Yield `rows` in their own order, each a `row_type`, read at once (a few rows)."""
    return map(_maker(row_type), rows.values_list(*row_type._fields))


def _maker(row_type: type[Row]) -> Callable[[tuple], Row]:
    # A row made in C, as `values_list(named=True)` makes them: no Python call per row.
    return functools.partial(tuple.__new__, row_type)
