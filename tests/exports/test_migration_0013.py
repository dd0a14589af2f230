"""Migration 0013 (PostgreSQL's search index with the book's key): there and back again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("exports", "0012_export_contact_id_range")]


def _search_indexes() -> list[str]:
    """The definitions of the indexes of the contacts' search text."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'exports_contact' "
                "AND indexdef LIKE '%%search_text%%' ORDER BY indexname"
            )
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'exports_contact' AND sql LIKE '%%search_text%%' ORDER BY name"
            )
        return [definition for (definition,) in cursor.fetchall()]


def _indexes_migrated_to(targets=None) -> list[str]:
    """Migrate to `targets` (every app's latest migration if None); return `_search_indexes`."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return _search_indexes()


@pytest.mark.django_db(transaction=True)
def test_the_search_index_takes_the_books_key_and_gives_it_back_when_unapplied():
    before = _indexes_migrated_to(BEFORE)
    after = _indexes_migrated_to()
    undone = _indexes_migrated_to(BEFORE)
    _indexes_migrated_to()  # as the rest of the suite expects it

    if connection.vendor == "postgresql":
        assert len(before) == 1 and "USING gin (search_text gin_trgm_ops)" in before[0]
        assert len(after) == 1 and "USING gin (task_id, search_text gin_trgm_ops)" in after[0]
        assert undone == before
    else:
        assert after == before  # SQLite's search index is FTS5's (migration 0005)
