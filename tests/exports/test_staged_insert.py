"""Ingest's staged rows: on SQLite built and compared before the write transaction, which
only copies them; on either database no staging table outlives an ingest, stored or failed;
and on SQLite a comparison staged against one previous export is made again when the
member's previous export changed before the write transaction.
"""

from __future__ import annotations

import pytest
from django.db import connection

from exports.models import ContactFingerprint, ExportComparison
from exports.services import ingest
from exports.staged_insert import STAGING_PREFIX, StagedInserts
from tests.exports.factories import (
    contact,
    export_failing_half_way,
    export_ingested,
    member,
    two_exports,
)

pytestmark = pytest.mark.django_db

ADA = contact("Ada Lovelace", "ada@example.com", "+1 415 555 0100")
BOB = contact("Bob Smith", "bob@example.com", "(212) 555-0101")
CAROL = contact("Carol Jones", "carol@example.com")


def _staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'")
        else:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relpersistence = 't' AND relkind = 'r'"
            )
        return [name for (name,) in cursor.fetchall() if name.startswith(STAGING_PREFIX)]


def test_no_staging_table_outlives_an_ingest():
    two_exports([ADA, BOB], [ADA, CAROL])
    assert _staging_tables() == []


def test_no_staging_table_outlives_a_book_failing_half_way():
    export_failing_half_way()
    assert _staging_tables() == []


@pytest.mark.only_on("sqlite")
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_rows_are_staged_and_compared_outside_the_write_transaction(monkeypatch):
    seen: list[tuple[str, bool]] = []
    for step in ("insert", "index", "copy"):
        original = getattr(StagedInserts, step)

        def recorded(self, *args, _step=step, _original=original, **kwargs):
            seen.append((_step, connection.in_atomic_block))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(StagedInserts, step, recorded)
    first, second = two_exports([ADA, BOB], [ADA, CAROL])
    # Per export: fingerprints and contacts staged in autocommit; the second's staged
    # fingerprints indexed for its comparison, also before the transaction; copied inside.
    assert seen == [
        ("insert", False),
        ("insert", False),
        ("copy", True),
        ("insert", False),
        ("insert", False),
        ("index", False),
        ("copy", True),
    ]
    comparison = ExportComparison.objects.get(task=second)
    assert (comparison.new_count, comparison.changed_count, comparison.removed_count) == (1, 0, 1)
    assert comparison.previous_id == first.pk


@pytest.mark.only_on("sqlite")  # PostgreSQL compares inside the write transaction
def test_a_previous_export_changed_before_the_transaction_is_compared_again(monkeypatch):
    owner = member()
    earlier = export_ingested(owner, [ADA, BOB])
    # The staged comparison saw no previous export (as if `earlier` finished meanwhile):
    # the ingest compares again with the export that is there at the write transaction.
    calls = []
    real = ingest.export_previous

    def previous_seen_late(*, task):
        calls.append(task.pk)
        return None if len(calls) == 1 else real(task=task)

    monkeypatch.setattr(ingest, "export_previous", previous_seen_late)
    later = export_ingested(owner, [ADA, CAROL])
    assert len(calls) == 3  # staged, checked in the transaction, compared again
    comparison = ExportComparison.objects.get(task=later)
    assert comparison.previous_id == earlier.pk
    assert (comparison.new_count, comparison.changed_count, comparison.removed_count) == (1, 0, 1)
    matched = ContactFingerprint.objects.filter(task=later).exclude(matched_by="")
    assert list(matched.values_list("position", "matched_by", "previous_position")) == [
        (0, "email", 0)
    ]
