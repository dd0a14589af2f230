"""The ingest's larger SQLite page cache is the ingest's only: a web worker's connection
keeps its usual one after a book is stored, or after one fails half-way. PostgreSQL has no
such setting, so there the ingest sends no PRAGMA at all; each test below has its twin for the
other database (the `only_on` marker), so none compares None with None.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports.bulk_insert import SQLITE_LOAD_CACHE_KIB, large_cache_while_loading
from tests.exports.factories import contact, export_failing_half_way, export_ingested, member

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.only_on("sqlite")
on_postgresql = pytest.mark.only_on("postgresql")


def _cache_size() -> int:
    """The connection's page cache setting (SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


def _pragmas(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if "PRAGMA" in query["sql"].upper()]


@on_sqlite
def test_the_block_has_the_large_cache_and_then_the_usual_one_again():
    usual = _cache_size()
    with large_cache_while_loading():
        during = _cache_size()
    assert _cache_size() == usual
    assert during == -SQLITE_LOAD_CACHE_KIB != usual


@on_postgresql
def test_the_block_sends_postgresql_nothing():
    with CaptureQueriesContext(connection) as queries, large_cache_while_loading():
        pass
    assert queries.captured_queries == []


@on_sqlite
def test_an_ingest_leaves_the_usual_cache():
    usual = _cache_size()
    task = export_ingested(member(), [contact("Ada", "ada@example.com"), contact("Bob")])
    assert task.contact_count == 2
    assert _cache_size() == usual


@on_postgresql
def test_an_ingest_on_postgresql_sends_no_pragma():
    with CaptureQueriesContext(connection) as queries:
        task = export_ingested(member(), [contact("Ada", "ada@example.com"), contact("Bob")])
    assert task.contact_count == 2
    assert queries.captured_queries  # the capture saw the ingest's statements
    assert _pragmas(queries) == []


@on_sqlite
def test_a_book_failing_half_way_stores_nothing_and_leaves_the_usual_cache():
    usual = _cache_size()
    export_failing_half_way()
    assert _cache_size() == usual


@on_postgresql
def test_a_book_failing_half_way_stores_nothing_and_sends_no_pragma_on_postgresql():
    with CaptureQueriesContext(connection) as queries:
        export_failing_half_way()
    assert queries.captured_queries
    assert _pragmas(queries) == []
