"""enrichment/services/joining.py: an upload's join queued for the worker, under a lease."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrichment.models import ArchiveJob, ConnectionArchive
from enrichment.services import joining
from enrichment.services.archive import ArchiveRefused
from enrichment.services.carrying import archives_carry_due
from enrichment.services.joining import archive_jobs_join_due, archive_queue
from enrichment.services.storing import archive_join
from exports.models import Contact, ExportTask
from tests.enrichment.archives import connection as row
from tests.enrichment.archives import rows_of
from tests.exports.factories import contact, export_ingested, member, two_exports

pytestmark = pytest.mark.django_db

BOOK = [contact("Ada Lovelace", "ada@example.com"), contact("Grace Hopper")]
ROWS = rows_of(
    row("Ada", "Lovelace", email="ada@example.com", company="Analytical Engines", on="10 Dec 1815"),
    row("Grace", "Hopper", company="US Navy", title="Rear Admiral", on=""),
)


def queued():
    task = export_ingested(member(), BOOK)
    return task, archive_queue(task=task, rows=ROWS, file_kind="zip")


def test_the_upload_only_queues_the_parsed_rows_and_the_worker_joins_them():
    task, job = queued()
    assert not ConnectionArchive.objects.exists()
    assert Contact.objects.get(task=task, position=0).company == ""
    assert archive_jobs_join_due() == 1
    job.refresh_from_db()
    assert (job.state, job.attempts, job.rows) == ("done", 1, None)
    assert job.archive.by_email == 1 and job.archive.by_name == 1
    ada = Contact.objects.get(task=task, position=0)
    assert (ada.company, ada.connected_on) == ("Analytical Engines", date(1815, 12, 10))
    assert archive_jobs_join_due() == 0  # done once


def test_a_second_upload_while_one_is_pending_is_refused():
    task, _job = queued()
    with pytest.raises(ArchiveRefused, match="already being added"):
        archive_queue(task=task, rows=ROWS, file_kind="csv")
    assert ArchiveJob.objects.count() == 1
    archive_jobs_join_due()
    archive_queue(task=task, rows=ROWS, file_kind="csv")  # once done, a newer one is fine


def test_a_job_held_by_a_live_worker_is_left_and_taken_again_once_its_lease_runs_out():
    _task, job = queued()
    now = timezone.now()
    # A worker took it and died mid-join: its transaction rolled back, the lease stands.
    ArchiveJob.objects.filter(pk=job.pk).update(
        state="joining", attempts=1, lease_until=now + timedelta(minutes=10)
    )
    assert archive_jobs_join_due(now=now) == 0
    assert not ConnectionArchive.objects.exists()
    assert archive_jobs_join_due(now=now + timedelta(minutes=11)) == 1
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 2)


def test_only_one_of_two_workers_wins_the_lease():
    _task, job = queued()
    now = timezone.now()
    assert joining._claim(job.pk, now=now) is True
    assert joining._claim(job.pk, now=now) is False
    assert joining.archive_job_run(job_pk=job.pk, now=now) is False


def test_a_join_that_keeps_failing_stops_with_its_reason(monkeypatch, client):
    task, job = queued()

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(joining, "archive_join", broken)
    later = timezone.now()
    for _attempt in range(joining.MAX_ATTEMPTS):
        assert archive_jobs_join_due(now=later) == 0
        later += timedelta(seconds=joining.settings.ENRICHMENT_JOIN_LEASE_SECONDS + 1)
    assert archive_jobs_join_due(now=later) == 1
    job.refresh_from_db()
    assert (job.state, job.failure, job.rows) == ("failed", "gave_up", None)
    client.force_login(task.owner)
    page = client.get(f"/exports/{task.public_id}/company-and-position/").content.decode()
    assert 'data-testid="enrichment-failed"' in page and "failed several times" in page
    assert "hx-trigger" not in page


def test_a_book_gone_before_the_join_fails_the_job_and_stores_nothing():
    task, job = queued()
    ExportTask.objects.filter(pk=task.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert archive_jobs_join_due() == 1
    job.refresh_from_db()
    assert (job.state, job.failure) == ("failed", "book_gone")
    assert not ConnectionArchive.objects.exists()


def test_the_rows_come_back_as_they_were_parsed():
    assert [joining._row(joining._stored(parsed)) for parsed in ROWS] == ROWS


def test_a_carry_is_left_to_the_worker_the_page_only_reads(client):
    first, second = two_exports(BOOK, BOOK)
    archive_join(task=first, rows=ROWS, file_kind="zip")
    client.force_login(second.owner)
    url = f"/exports/{second.public_id}/company-and-position/"
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    # The session's last-seen write aside (django's), nothing of the book is written.
    assert not [sql for sql in writes if "enrichment_" in sql or "exports_" in sql]
    assert not ConnectionArchive.objects.filter(task=second).exists()
    assert "Adding your earlier archive to this address book" in page
    assert 'hx-trigger="every 2s"' in page
    assert archives_carry_due(now=timezone.now()) == 1
    panel = client.get(f"{url}status/").content.decode()
    assert 'data-testid="enrichment-result"' in panel and "hx-trigger" not in panel
