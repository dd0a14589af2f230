"""Reads of a whole book, or a search's matches, in LinkedIn's order, for the downloads.

Each row is a named tuple whose fields are the columns read. A book of any size streams
with flat memory: rows are read in batches, each a range of the `(task, position)` key, a
small first batch so the first chunk of a download leaves at once, then larger ones. Not
one cursor over the book: outside a transaction, PostgreSQL runs a held cursor's whole
query (and keeps its result) before the first row.
"""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import repeat
from typing import NamedTuple, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
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
    # From the member's LinkedIn data archive (enrichment/), blank without one.
    company: str
    title: str
    profile_url: str
    connected_on: date | None
    position: int


class CardRow(NamedTuple):
    """A contact as a card's CSV writes it (Google, Outlook): what it holds and who it is,
    without the keys that only merging and vCard UIDs need.
    """

    name: str
    email: str
    phone: str
    phone_international: str
    # From the member's LinkedIn data archive (enrichment/), blank without one.
    company: str
    title: str
    profile_url: str
    connected_on: date | None
    position: int


Row = TypeVar("Row", bound=tuple)


def contact_rows(*, task: ExportTask, query: str = "") -> Iterator[ContactRow]:
    """Yield each contact matching `query`, in LinkedIn's order, as the database gives it."""
    contacts = contacts_search(task=task, query=query)
    batches = _batches_by_position(contacts, ContactRow._fields)
    return _rows_of(ContactRow, (map(_WITHOUT_POSITION, batch) for batch in batches))


def person_rows(*, task: ExportTask, query: str = "") -> Iterator[PersonRow]:
    """Yield each contact matching `query` with its keys and group, in LinkedIn's order."""
    return by_position(contacts_search(task=task, query=query), PersonRow)


def card_rows(*, task: ExportTask, query: str = "") -> Iterator[CardRow]:
    """Yield each contact matching `query` as a card's CSV writes it, in LinkedIn's order."""
    return by_position(contacts_search(task=task, query=query), CardRow)


def raw_texts(*, task: ExportTask, query: str = "") -> Iterator[str]:
    """Yield the stored JSON text of each contact matching `query`, in LinkedIn's order,
    without decoding it.
    """
    contacts = contacts_search(task=task, query=query).annotate(
        raw_text=Cast("raw", output_field=TextField())
    )
    if not (task.with_company_count or task.with_title_count):
        for batch in _batches_by_position(contacts, ("raw_text",)):
            yield from map(_FIRST, batch)
        return
    for batch in _batches_by_position(contacts, ("raw_text", *ARCHIVE_FIELDS)):
        for text, *who, _position in batch:
            yield with_archive_fields(text, who)


# A contact's fields from the member's LinkedIn data archive (enrichment/), and the names the
# JSON download gives them, in the member `linkedinDataArchive` beside LinkedIn's own.
ARCHIVE_FIELDS = ("company", "title", "profile_url", "connected_on")
ARCHIVE_KEYS = ("company", "position", "profileUrl", "connectedOn")


def with_archive_fields(text: str, who: list) -> str:
    """Return the contact's JSON text with `linkedinDataArchive` added, when it has any."""
    if not any(who):
        return text
    values = {key: str(value) for key, value in zip(ARCHIVE_KEYS, who, strict=True) if value}
    member = '"linkedinDataArchive":' + json.dumps(values, ensure_ascii=False)
    body = text.rstrip()[:-1].rstrip()  # the object without its closing brace
    return f"{body}{',' if body != '{' else ''}{member}}}"


def by_position(rows: QuerySet, row_type: type[Row]) -> Iterator[Row]:
    """Yield `rows` (contacts or fingerprints of one task) in LinkedIn's order, each a
    `row_type` of the columns it names, the last of them `position`.
    """
    return _rows_of(row_type, _batches_by_position(rows, row_type._fields[:-1]))


def _rows_of(row_type: type[Row], batches: Iterable[Iterable[tuple]]) -> Iterator[Row]:
    # Chained in C: a generator yielding from each batch resumed its frame for every row.
    return itertools.chain.from_iterable(map(_new, repeat(row_type), batch) for batch in batches)


def _batches_by_position(rows: QuerySet, columns: tuple[str, ...]) -> Iterator[list[tuple]]:
    """Yield `rows` in LinkedIn's order in batches, each row the values of `columns` and
    then its position, each batch a range of the `(task, position)` key after the last.
    """
    values = rows.order_by("position").values_list(*columns, "position")
    after, size = -1, DOWNLOAD_FIRST_ROWS
    while batch := fetched(values.filter(position__gt=after)[:size]):
        yield batch
        if len(batch) < size:
            return
        after, size = _POSITION(batch[-1]), DOWNLOAD_ROWS


def fetched(rows: QuerySet) -> list[tuple]:
    """Return the tuples of `rows` (a `values_list`) as the database driver gives them.

    Django's own reading runs `apply_converters` on every row when a column has a converter;
    the downloads' only one is the connection date's on SQLite, and it does nothing there:
    Django opens SQLite with `PARSE_DECLTYPES`, so the driver already gives a `date`. Read
    through the cursor, a row costs no Python at all.
    """
    try:
        sql, params = rows.query.get_compiler(rows.db).as_sql()
    except EmptyResultSet:  # a filter that matches nothing, such as `none()`
        return []
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Rows are made by `tuple.__new__` mapped over a batch, as `values_list(named=True)` makes
# them: no Python code runs per row.
_new = tuple.__new__
_FIRST = operator.itemgetter(0)
_POSITION = operator.itemgetter(-1)  # the last column `_batches_by_position` reads
_WITHOUT_POSITION = operator.itemgetter(slice(0, -1))


def position_ranges(rows: QuerySet) -> Iterator[tuple[int, int]]:
    """Yield the ranges of positions, first and last, that cover `rows` (one task's) in
    LinkedIn's order: `DOWNLOAD_FIRST_ROWS` positions first, then `DOWNLOAD_ROWS` at a time.
    """
    last = rows.order_by("-position").values_list("position", flat=True).first()
    if last is None:
        return
    start, size = 0, DOWNLOAD_FIRST_ROWS
    while start <= last:
        yield start, start + size - 1
        start, size = start + size, DOWNLOAD_ROWS


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
    return map(_new, repeat(row_type), values)


def as_rows(rows: QuerySet, row_type: type[Row]) -> Iterator[Row]:
    """Yield `rows` in their own order, each a `row_type`, read at once (a few rows)."""
    return map(_new, repeat(row_type), fetched(rows.values_list(*row_type._fields)))
