"""LinkedIn's Member Data Portability API over real HTTP against the sandbox: the separate
consent, the snapshot read in pages, a 429 waited out, an expired token, and the same join
as the uploaded archive (enrichment/portability.py, services/joining.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enrichment.models import ArchiveJob, Connection, ConnectionArchive
from enrichment.services.archive import connections_text
from enrichment.services.connections_csv import connection_rows
from enrichment.services.join import BookEntry, join
from enrichment.services.joining import archive_jobs_join_due
from exports.models import Contact
from tests.enrichment.archives import (
    page_url,
    portability_configured,
    portability_consent,
    sandbox_archive,
    status_url,
    worker_round,
)
from tests.fixtures_app import ready_export

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = ("first_name", "last_name", "url", "email", "company", "title", "connected_on")


def snapshot_calls(sandbox) -> int:
    return sandbox.stats()["requests"].get("member_snapshot", 0)


def test_off_by_default_no_offer_and_no_address(member_client):
    task = ready_export(member_client)
    assert (
        'data-testid="portability-offer"' not in member_client.get(page_url(task)).content.decode()
    )
    fetch = f"/exports/{task.public_id}/company-and-position/fetch/"
    assert member_client.get(fetch).status_code == 404


def test_fetched_in_pages_and_joined_as_the_uploaded_archive_is(member_client, linkedin, settings):
    portability_configured(settings)
    linkedin.set_knobs(snapshot_rows_per_element=7)  # ~50 elements: 5 pages of 10
    task = ready_export(member_client)
    page = member_client.get(page_url(task)).content.decode()
    assert 'data-testid="portability-offer"' in page
    # What the same member's uploaded archive would join to this book, by the same rules.
    uploaded = connection_rows(connections_text(sandbox_archive(linkedin)).text)
    book = Contact.objects.filter(task=task).order_by("position")
    expected = join(
        uploaded,
        [BookEntry(c.position, c.email_key, c.name, c.profile_url) for c in book],
    )

    response = portability_consent(member_client, linkedin, task)
    assert response.status_code == 302 and response["Location"].endswith("#result")
    job = ArchiveJob.objects.get(task=task)
    assert job.file_kind == "api" and job.access_token and "AQV" not in job.access_token
    assert (
        "Fetching your connections from LinkedIn"
        in member_client.get(status_url(task)).content.decode()
    )
    before = snapshot_calls(linkedin)
    worker_round()
    assert snapshot_calls(linkedin) - before == -(-len(uploaded) // 70)  # pages of 10 elements of 7
    job.refresh_from_db()
    assert (job.state, job.access_token, job.rows) == ("done", "", None)
    archive = ConnectionArchive.objects.get(task=task)
    assert archive.file_kind == "api" and archive.connection_count == len(uploaded)
    assert (archive.by_email, archive.by_url, archive.by_name, archive.ambiguous) == (
        expected.counts["email"],
        expected.counts["url"],
        expected.counts["name"],
        expected.counts["ambiguous"],
    )
    stored = Connection.objects.filter(archive=archive).order_by("row")
    assert [tuple(getattr(c, f) for f in FIELDS) for c in stored] == [
        tuple(getattr(row, f) for f in FIELDS) for row in uploaded
    ]
    assert [c.contact_position for c in stored] == [
        outcome.positions[0] if outcome.positions else None for outcome in expected.joined
    ]
    panel = member_client.get(status_url(task)).content.decode()
    assert "connections fetched from LinkedIn" in panel and "hx-trigger" not in panel


def test_a_429_puts_the_reading_off_until_retry_after_with_the_pages_read(
    member_client, linkedin, settings
):
    portability_configured(settings)
    linkedin.set_knobs(snapshot_rows_per_element=30, snapshot_fault="rate_limited", retry_after=7)
    task = ready_export(member_client)
    portability_consent(member_client, linkedin, task)
    job = ArchiveJob.objects.get(task=task)
    now = timezone.now()
    assert archive_jobs_join_due(now=now) == 0  # page 1: 429
    job.refresh_from_db()
    assert job.state == "fetching" and job.attempts == 0  # waiting is no failed attempt
    assert timedelta(seconds=6) < job.lease_until - now < timedelta(seconds=9)
    assert archive_jobs_join_due(now=now + timedelta(seconds=3)) == 0  # not before
    assert snapshot_calls(linkedin) == 1
    assert archive_jobs_join_due(now=now + timedelta(seconds=8)) == 0  # page 1, then page 2: 429
    job.refresh_from_db()
    assert (job.fetch_start, len(job.rows)) == (10, 300)  # what was read is kept
    assert archive_jobs_join_due(now=now + timedelta(seconds=16)) == 1
    job.refresh_from_db()
    assert job.state == "done" and snapshot_calls(linkedin) == 4
    assert ConnectionArchive.objects.get(task=task).connection_count > 300


def test_an_expired_token_fails_the_job_and_offers_the_consent_again(
    member_client, linkedin, settings
):
    portability_configured(settings)
    linkedin.set_knobs(snapshot_fault="token_expired")
    task = ready_export(member_client)
    portability_consent(member_client, linkedin, task)
    worker_round()
    job = ArchiveJob.objects.get(task=task)
    assert (job.state, job.failure, job.access_token) == ("failed", "token_rejected", "")
    assert not ConnectionArchive.objects.exists()
    page = member_client.get(page_url(task)).content.decode()
    assert 'data-testid="enrichment-failed"' in page and "no longer accepts the permission" in page
    assert 'data-testid="portability-start"' in page


def test_cancelling_on_linkedin_queues_nothing(member_client, linkedin, settings):
    portability_configured(settings)
    task = ready_export(member_client)
    response = portability_consent(member_client, linkedin, task, action="cancel")
    assert response.status_code == 302
    assert not ArchiveJob.objects.exists()
    page = member_client.get(page_url(task)).content.decode()
    assert "You cancelled on LinkedIn: nothing was fetched." in page
