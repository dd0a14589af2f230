"""The ingest's larger SQLite page cache is the ingest's only: a web worker's connection
keeps its usual one after a book is stored, or after one fails half-way."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from exports import linkedin_api, services
from exports.bulk_insert import SQLITE_LOAD_CACHE_KIB, large_cache_while_loading
from exports.models import Contact, ContactFingerprint, ExportTask

from .factories import contact, export_ingested, member

pytestmark = pytest.mark.django_db


def _cache_size() -> int | None:
    """The connection's page cache setting on SQLite; None elsewhere (no such setting)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


def test_the_block_has_the_large_cache_and_then_the_usual_one_again():
    usual = _cache_size()
    with large_cache_while_loading():
        during = _cache_size()
    assert _cache_size() == usual
    if connection.vendor == "sqlite":
        assert during == -SQLITE_LOAD_CACHE_KIB != usual
    else:
        assert during is None


def test_an_ingest_leaves_the_usual_cache():
    usual = _cache_size()
    task = export_ingested(member(), [contact("Ada", "ada@example.com"), contact("Bob")])
    assert task.contact_count == 2
    assert _cache_size() == usual


def test_a_book_failing_half_way_stores_nothing_and_leaves_the_usual_cache():
    usual = _cache_size()
    task = ExportTask.objects.create(owner=member(), linkedin_task_id="crafted")
    expires = int((timezone.now() + timedelta(days=1)).timestamp() * 1000)
    contacts = [contact("Ada", "ada@example.com"), "not a contact"]
    body = json.dumps(
        {"status": "SUCCEEDED", "result~": {"contacts": contacts, "expiresAt": expires}}
    )
    result = linkedin_api.parse_export_task(body.encode()).result

    with pytest.raises(services.InvalidAddressBook):
        services.contacts_ingest(task=task, result=result)

    assert _cache_size() == usual
    assert not Contact.objects.filter(task=task).exists()
    assert not ContactFingerprint.objects.filter(task=task).exists()
