"""The purge of expired address books: in batches, exactly the expired rows, resumable."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports import services
from exports.models import Contact, ExportTask
from tests.fixtures_app import finished, start_export, wait_until

pytestmark = pytest.mark.django_db


def contact_deletes(queries: CaptureQueriesContext) -> list[str]:
    table = Contact._meta.db_table
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith("DELETE") and table in query["sql"]
    ]


@pytest.fixture
def expired_and_kept(member_client, linkedin) -> tuple[ExportTask, ExportTask]:
    """Ada's expired book (321 contacts), and her newer book that is still valid."""
    linkedin.set_knobs(result_ttl=1)
    expired = finished(member_client, start_export(member_client))
    assert expired.status == ExportTask.Status.SUCCEEDED
    linkedin.set_knobs(result_ttl=3600)
    kept = finished(member_client, start_export(member_client))
    assert kept.status == ExportTask.Status.SUCCEEDED
    wait_until(lambda: expired.is_expired(), timeout=10)
    return expired, kept


def test_the_purge_deletes_in_batches_of_the_given_size(expired_and_kept):
    expired, kept = expired_and_kept
    assert expired.contact_count == 321
    with CaptureQueriesContext(connection) as queries:
        report = services.exports_purge_expired(batch_size=100)
    assert len(contact_deletes(queries)) == 4  # 100 + 100 + 100 + 21
    assert report.tasks == 1 and report.contacts == 321
    assert not Contact.objects.filter(task=expired).exists()
    assert Contact.objects.filter(task=kept).count() == kept.contact_count


def test_a_purge_interrupted_after_marking_the_export_expired_is_finished_by_the_next_run(
    expired_and_kept, member_client
):
    expired, kept = expired_and_kept
    # An earlier run marked it expired and deleted one batch, then the process died.
    ExportTask.objects.filter(pk=expired.pk).update(status=ExportTask.Status.EXPIRED)
    first_batch = list(Contact.objects.filter(task=expired).values_list("pk", flat=True)[:100])
    Contact.objects.filter(pk__in=first_batch).delete()
    assert member_client.get(f"/exports/{expired.public_id}/contacts.csv").status_code == 410

    with CaptureQueriesContext(connection) as queries:
        report = services.exports_purge_expired(batch_size=100)
    assert len(contact_deletes(queries)) == 3  # the 221 left: 100 + 100 + 21
    assert report.contacts == 221
    assert not Contact.objects.filter(task=expired).exists()
    assert Contact.objects.filter(task=kept).count() == kept.contact_count
    expired.refresh_from_db()
    assert expired.status == ExportTask.Status.EXPIRED
    assert expired.contact_count == 321  # the history stays
