"""The trigram indexes of the contacts' search text: what keeps them and how a search
reads them.

A search is a substring match of the folded search text (`collation.search_form`). On
PostgreSQL the planner answers it from a GIN index of the book's key and the text's
trigrams (`btree_gin` and `pg_trgm`, migration 0013), given the key as its own type.
SQLite has no such index type: without the FTS5 table of migration 0005 it read every
contact's text of the book for a rare term or one matching nothing, slow for a large book.
That table holds every member's books; a search asks it for the range of its book's keys,
stored by the ingest (migration 0012), and for a common term counts the matches from it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BigIntegerField, Max, Min, QuerySet, Value
from django.db.models.functions import Cast

from exports.models import Contact, ExportTask

TABLE = "exports_contact_search"
POSTGRESQL_INDEX = "contact_book_search"  # migration 0013
TRIGRAM = 3
# More candidates than this, over every member's books, and a term is common (`candidates`).
FEW_CANDIDATES = 5_000


def search_index_add(*, task: ExportTask) -> dict[str, int | None]:
    """Index the search text of the task's contacts, just stored, for searching; return
    the task's fields to store with it (on SQLite, the range of the book's keys).

    Call it in the ingest's transaction, after the contacts are inserted, so a book is
    searchable as soon as it is visible.
    """
    if connection.vendor == "postgresql":
        # A GIN index takes new rows into a pending list, merged only once it fills or at
        # vacuum; every search reads that list whole, so after a large book even a term
        # matching nothing reads most of it. Merging it now costs what the next merge
        # would have.
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [POSTGRESQL_INDEX])
        return {}
    # SQLite: one statement for the whole book, half the cost of a trigger per row.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, search_text) "  # noqa: S608 (a constant)
            "SELECT id, search_text FROM exports_contact WHERE task_id = %s",
            [task.pk],
        )
    # The index holds every member's books; a search of this one asks it for these keys.
    return Contact.objects.filter(task=task).aggregate(
        lowest_contact_id=Min("pk"), highest_contact_id=Max("pk")
    )


def candidates(*, task: ExportTask, query: str) -> QuerySet[Contact]:
    """Return the contacts of the task's book that may hold the folded `query`: on SQLite,
    the few its trigram index finds; else the whole book. The caller tests the substring.

    On PostgreSQL the book's key is given as a `bigint`, the column's type: `btree_gin`
    compares only like with like, so with the plain integer Django writes the planner
    took the trigrams of every member's books from the index and intersected them with
    the book (`bench/results/search-ab-2026-12-08.md`).

    The index finds a rare term, or none, without reading the book. A term whose trigrams
    find more than `FEW_CANDIDATES` contacts is common: its candidates are the whole book,
    whose walk in order finds a page of matches sooner than looking each candidate up.
    Terms shorter than a trigram are not in the index: they match most contacts.
    """
    if connection.vendor == "postgresql" and len(query) >= TRIGRAM:
        return Contact.objects.filter(task_id=Cast(Value(task.pk), BigIntegerField()))
    if not _indexed(query):
        return Contact.objects.filter(task=task)
    few = _few_candidates(task=task, query=query, most=FEW_CANDIDATES)
    return Contact.objects.filter(task=task) if few is None else few


def matches_ranked(
    *, task: ExportTask, query: str, rank: str, limit: int
) -> list[tuple[int, int]] | None:
    """Return the key and `rank` of up to `limit` contacts of the task's book holding the
    folded `query`, found from SQLite's trigram index; None where it cannot tell them (on
    PostgreSQL, for a term shorter than a trigram, or a book stored without its range of
    keys): the caller then tests the contacts of `candidates`.

    Up to `limit` candidates (or `FEW_CANDIDATES`, if fewer) are tested by key, as
    `candidates` gives them. More are read from the index in the book's order of keys, each
    tested as it comes, until `limit` match: looking each up by key would test them all,
    and walking the book tests every contact on the way.
    """
    if not _indexed(query) or task.lowest_contact_id is None:
        return None
    few = _few_candidates(task=task, query=query, most=min(FEW_CANDIDATES, limit))
    if few is not None:
        matches = few.filter(search_text__contains=query).order_by()
        return list(matches.values_list("pk", rank)[:limit])
    table, column = Contact._meta.db_table, Contact._meta.get_field(rank).column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # CROSS JOIN: SQLite keeps the index as the outer loop, whatever its planner thinks
        # of the task's condition (see `_few_candidates`).
        cursor.execute(
            f"SELECT contact.id, contact.{quote(column)} FROM {TABLE} "  # noqa: S608 (names)
            f"CROSS JOIN {quote(table)} AS contact ON contact.id = {TABLE}.rowid "
            f"WHERE {TABLE} MATCH %s AND {TABLE}.rowid BETWEEN %s AND %s "
            "AND contact.task_id = %s AND INSTR(contact.search_text, %s) > 0 LIMIT %s",
            [
                _trigrams_tiling(query),
                task.lowest_contact_id,
                task.highest_contact_id,
                task.pk,
                query,
                limit,
            ],
        )
        return cursor.fetchall()


def _indexed(query: str) -> bool:
    """True if SQLite's trigram index can find the folded `query`."""
    return connection.vendor == "sqlite" and len(query) >= TRIGRAM


def _few_candidates(*, task: ExportTask, query: str, most: int) -> QuerySet[Contact] | None:
    """Return the task's contacts the trigram index finds for `query`, or None for a term
    it finds more than `most` times."""
    # Only the book's range of keys where it is known, not every member's books. The range
    # is a bound, not the book: the keys found are still tested against the task below.
    in_book, bounds = "", []
    if task.lowest_contact_id is not None:
        in_book = " AND rowid BETWEEN %s AND %s"
        bounds = [task.lowest_contact_id, task.highest_contact_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s{in_book} LIMIT %s",  # noqa: S608
            [_trigrams_tiling(query), *bounds, most + 1],
        )
        found = [rowid for (rowid,) in cursor.fetchall()]
    if len(found) > most:
        return None
    # This book's candidates are picked here, by key. Asked with the book's condition
    # beside the keys, SQLite's planner (which takes an equality on an indexed column for
    # ten rows) walks the whole book instead.
    keys = Contact.objects.filter(pk__in=found).values_list("pk", "task_id")
    return Contact.objects.filter(pk__in=[pk for pk, task_id in keys if task_id == task.pk])


def _trigrams_tiling(query: str) -> str:
    """Return an FTS5 query for the rows holding each trigram of a tiling of `query`.

    Not the phrase: FTS5 checks a phrase's positions, reading every trigram's list whole;
    an AND of the trigrams that tile the term skips through the longer lists from the
    rarest one, several times faster for an e-mail address. Each is quoted,
    so nothing a person types is read as FTS5 syntax.
    """
    starts = [*range(0, len(query) - TRIGRAM + 1, TRIGRAM), len(query) - TRIGRAM]
    trigrams = dict.fromkeys(query[start : start + TRIGRAM] for start in starts)
    return " AND ".join('"' + trigram.replace('"', '""') + '"' for trigram in trigrams)
