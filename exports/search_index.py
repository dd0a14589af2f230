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
from django.db.models.expressions import RawSQL

from exports.models import Contact, ExportTask

TABLE = "exports_contact_search"
POSTGRESQL_INDEX = "contact_search_text"  # migration 0002
TRIGRAM = 3


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


def narrowed(matches: QuerySet[Contact], query: str) -> QuerySet[Contact]:
    """On SQLite, narrow `matches` to the contacts the index finds for the folded `query`.

    The index finds them without reading the book (a rare term or none among the largest
    books); the substring condition stays beside it, so the answer is exactly
    the substring match whatever the index folds. Terms shorter than a trigram are not in
    it: they match most contacts, and the walk of a sort's index that stops after one page
    answers them.
    """
    if connection.vendor != "sqlite" or len(query) < TRIGRAM:
        return matches
    found = RawSQL(  # noqa: S611 (constant SQL; the term is a parameter)
        f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s",  # noqa: S608
        [_trigrams_tiling(query)],
    )
    return matches.filter(pk__in=found)


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
