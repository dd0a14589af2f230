"""The archive page over HTTP: the sandbox's demo archive downloaded and uploaded, CSRF,
owner scoping, wrong files; nothing of ours mocked."""

import pytest

from enrichment.models import ArchiveJob, ConnectionArchive
from exports.models import Contact
from tests.enrichment.archives import (
    page_url,
    sandbox_archive,
    status_url,
    upload,
    worker_round,
    zipped,
)
from tests.exports.files import download, parse_cards, read_csv
from tests.fixtures_app import ready_export, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_typical_member_uploads_their_sandbox_archive(member_client, linkedin, settings):
    settings.ENRICHMENT_SAMPLE_ARCHIVE_URL = linkedin.url + "/_sandbox/archive/{sub}.zip"
    task = ready_export(member_client)
    detail = member_client.get(f"/exports/{task.public_id}/").content.decode()
    assert "Add company and position from your LinkedIn data archive" in detail
    page = member_client.get(page_url(task)).content.decode()
    assert "Get a copy of your data" in page and 'name="csrfmiddlewaretoken"' in page
    sub = linkedin.member("typical")["sub"]
    assert f"/_sandbox/archive/{sub}.zip" in page

    response = upload(member_client, task, sandbox_archive(linkedin))
    assert response.status_code == 302 and response["Location"].endswith("#result")
    # Parsed in the request, joined by the worker: until then the page polls its progress.
    assert not ConnectionArchive.objects.exists()
    job = ArchiveJob.objects.get(task=task)
    assert job.state == "queued" and len(job.rows) == job.connection_count > 0
    page = member_client.get(page_url(task)).content.decode()
    assert 'data-testid="enrichment-progress"' in page and status_url(task) in page
    assert "being joined to your" in member_client.get(status_url(task)).content.decode()
    # The export page's offer says so too, and links to the progress.
    offer = member_client.get(f"/exports/{task.public_id}/").content.decode()
    assert "Company and position are being added from your LinkedIn data archive" in offer
    worker_round()
    job.refresh_from_db()
    assert job.state == "done" and job.rows is None  # the parsed rows go with the join
    polled = member_client.get(status_url(task), headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"  # the whole page changes: reloaded once
    panel = member_client.get(status_url(task)).content.decode()
    assert "enrichment-progress" not in panel and "hx-trigger" not in panel
    assert 'data-testid="enrichment-result"' in panel
    archive = ConnectionArchive.objects.get(task=task)
    # The demo archive: every fourth e-mail shared, names otherwise; shared names and
    # strangers not joined.
    assert archive.by_email > 0 and archive.by_name > archive.by_email
    assert archive.ambiguous >= 2 and archive.unmatched >= 3
    page = member_client.get(page_url(task)).content.decode()
    assert f'data-testid="matched-by-email">{archive.by_email}<' in page
    assert "Who do I know at" in page and "Acme, Inc." in page
    assert "Mary Shelley" in page  # a connection without contact details

    task.refresh_from_db()
    listed = member_client.get(f"/exports/{task.public_id}/?sort=company").content.decode()
    assert 'class="contact-company"' in listed and "Analytical Engines Ltd" in listed
    searched = member_client.get(f"/exports/{task.public_id}/", {"q": "Northwind"})
    assert "Northwind Traders" in searched.content.decode()
    expected = Contact.objects.filter(task=task, company="Northwind Traders").count()
    assert f"{expected} of {task.contact_count} contacts match" in searched.content.decode()

    detail_url = f"/exports/{task.public_id}/"
    cards = parse_cards(download(member_client, detail_url, "vcard")[0])
    assert any(getattr(card, "org", None) for card in cards)
    header, *rows = read_csv(download(member_client, detail_url, "google")[0])
    assert "Northwind Traders" in {
        dict(zip(header, row, strict=True))["Organization Name"] for row in rows
    }


def test_a_wrong_file_is_refused_with_a_message_and_nothing_stored(member_client):
    task = ready_export(member_client)
    for data, message in [
        (b"%PDF-1.7\x00binary", "binary data"),
        (zipped({"Messages.csv": b"x"}), "no Connections.csv"),
        (b"Name,Email\r\nAda,ada@example.com\r\n", "no row with First Name"),
        (b"", "Choose your LinkedIn data archive"),
    ]:
        response = upload(member_client, task, data, name="file.zip")
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not ConnectionArchive.objects.exists()


def test_a_file_past_the_upload_limit_stops_the_upload(member_client, settings):
    settings.ENRICHMENT_MAX_UPLOAD_BYTES = 100_000
    task = ready_export(member_client)
    response = upload(member_client, task, b"a" * 1_000_000, name="Connections.csv")
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not ConnectionArchive.objects.exists()


def test_an_upload_needs_the_csrf_token(member_client):
    task = ready_export(member_client)
    member_client.handler.enforce_csrf_checks = True
    try:
        response = upload(member_client, task, b"First Name,Last Name,Company,Position\r\n")
    finally:
        member_client.handler.enforce_csrf_checks = False
    assert response.status_code == 403
    assert not ConnectionArchive.objects.exists()


def test_another_member_gets_404(member_client, linkedin):
    task = ready_export(member_client)
    other = signed_in(linkedin, "changing")
    assert other.get(page_url(task)).status_code == 404
    assert upload(other, task, sandbox_archive(linkedin)).status_code == 404
    assert not ConnectionArchive.objects.exists()
