"""The trigram indexes of the contacts' search text: what keeps them and how a search
reads them.

A search is a substring match of the folded search text (`collation.search_form`). On
PostgreSQL the planner answers it from a `pg_trgm` GIN index by itself (migration 0002).
SQLite has no such index type: without the FTS5 table of migration 0005 it read every
contact's text of the book for a rare term or one matching nothing, slow for a large book.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from exports.models import Contact, ExportTask

TABLE = "exports_contact_search"
POSTGRESQL_INDEX = "contact_search_text"  # migration 0002
TRIGRAM = 3
# More candidates than this, over every member's books, and a term is common (`candidates`).
FEW_CANDIDATES = 5_000


def search_index_add(*, task: ExportTask) -> None:
    """Index the search text of the task's contacts, just stored, for searching.

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
        return
    # SQLite: one statement for the whole book, half the cost of a trigger per row.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, search_text) "  # noqa: S608 (a constant)
            "SELECT id, search_text FROM exports_contact WHERE task_id = %s",
            [task.pk],
        )


def candidates(*, task: ExportTask, query: str) -> QuerySet[Contact]:
    """Return the contacts of the task's book that may hold the folded `query`: on SQLite,
    the few its trigram index finds; else the whole book. The caller tests the substring.

    The index finds a rare term, or none, without reading the book. A term whose trigrams
    find more than `FEW_CANDIDATES` contacts is common: its candidates are the whole book,
    whose walk in order finds a page of matches sooner than looking each candidate up.
    Terms shorter than a trigram are not in the index: they match most contacts.
    """
    book = Contact.objects.filter(task=task)
    if connection.vendor != "sqlite" or len(query) < TRIGRAM:
        return book
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s LIMIT %s",  # noqa: S608
            [_trigrams_tiling(query), FEW_CANDIDATES + 1],
        )
        found = [rowid for (rowid,) in cursor.fetchall()]
    if len(found) > FEW_CANDIDATES:
        return book
    # The index holds every member's books: this book's candidates are picked here, by
    # key. Asked with the book's condition beside the keys, SQLite's planner (which takes
    # an equality on an indexed column for ten rows) walks the whole book instead.
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
