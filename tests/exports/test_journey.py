"""The export journey over real HTTP against the live sandbox: start, watch, browse, download."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from exports.downloads.formulas import neutralise
from exports.models import Contact, ExportTask
from exports.phones import phone_international
from tests.fixtures_app import finished, sign_in, start_export

pytestmark = pytest.mark.django_db


def test_starting_an_export_redirects_to_its_page_with_a_polling_panel(member_client):
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    assert detail_url == f"/exports/{task.public_id}/"
    assert task.linkedin_task_id  # LinkedIn's x-linkedin-id
    page = member_client.get(detail_url).content.decode()
    assert "LinkedIn is preparing your address book" in page
    assert f'hx-get="/exports/{task.public_id}/status/"' in page
    assert 'hx-trigger="every 2s"' in page


def test_a_second_click_returns_the_export_already_in_progress(member_client):
    first = start_export(member_client)
    second = start_export(member_client)
    assert first == second
    assert ExportTask.objects.count() == 1
    page = member_client.get(second).content.decode()
    # The panel says what is happening; no flash message that could outlive it.
    assert "Export started" not in page
    assert "already" not in page
    assert "LinkedIn is preparing your address book" in page


def test_polling_stops_with_the_results_once_linkedin_has_succeeded(member_client, linkedin):
    detail_url = start_export(member_client)
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    fragment = member_client.get(detail_url + "status/", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert 'hx-trigger="every' not in body  # no trigger: htmx stops polling
    assert 'id="export-panel"' in body
    assert 'data-testid="total-contacts"' in body


def test_the_stored_address_book_is_exactly_the_sandbox_one(member_client, linkedin):
    expected = linkedin.contacts("typical")
    task = finished(member_client, start_export(member_client))
    assert task.contact_count == len(expected)
    stored = list(
        Contact.objects.filter(task=task).order_by("position").values_list("raw", flat=True)
    )
    assert stored == expected
    assert task.with_email_count == sum(1 for c in expected if c.get("emailAddress"))
    assert task.expires_at is not None


def test_the_page_shows_totals_expiry_and_the_first_page_of_contacts(member_client, linkedin):
    expected = linkedin.contacts("typical")
    detail_url = start_export(member_client)
    finished(member_client, detail_url)
    response = member_client.get(detail_url)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{len(expected)} contacts." in page
    assert "Available until" in page
    assert response.context["page"].paginator.num_pages > 1
    assert len(response.context["page"].object_list) == 50


def test_search_narrows_by_name_email_or_phone(member_client, linkedin):
    detail_url = start_export(member_client)
    task = finished(member_client, detail_url)
    contact = Contact.objects.filter(task=task).exclude(email="").first()
    needle = contact.email.split("@")[1].upper()
    response = member_client.get(detail_url, {"q": needle})
    matches = response.context["page"].paginator.count
    assert 0 < matches < task.contact_count
    for row in response.context["page"].object_list:
        assert needle.lower() in f"{row.name}\n{row.email}\n{row.phone}".lower()


def test_search_as_you_type_answers_just_the_contacts_fragment(member_client):
    detail_url = start_export(member_client)
    finished(member_client, detail_url)
    response = member_client.get(
        detail_url, {"q": "a"}, headers={"HX-Request": "true", "HX-Target": "contacts"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="contacts"')
    assert "<html" not in body


def test_sort_and_pagination(member_client):
    detail_url = start_export(member_client)
    task = finished(member_client, detail_url)
    by_name = []
    for number in range(1, task.contact_count // 50 + 2):
        page = member_client.get(detail_url, {"sort": "name", "page": number}).context["page"]
        by_name += [contact.name for contact in page.object_list]
    assert sorted(by_name) == sorted(
        Contact.objects.filter(task=task).values_list("name", flat=True)
    )
    named = [name for name in by_name if name]
    assert by_name == named + [""] * (len(by_name) - len(named))  # the blanks last
    # Language-aware: "Çelik" among the C's, not after "Zoë" as code points would put it.
    initials = [name[0] for name in named]
    assert max(i for i, c in enumerate(initials) if c in "Bb") < initials.index("Ç")
    assert max(i for i, c in enumerate(initials) if c == "Ç") < initials.index("D")
    descending = member_client.get(detail_url, {"sort": "-name"}).context["page"]
    assert [c.name for c in descending.object_list] == named[::-1][:50]


def test_csv_download_round_trips_with_formulas_neutralised(member_client, linkedin):
    expected = linkedin.contacts("typical")
    detail_url = start_export(member_client)
    task = finished(member_client, detail_url)
    response = member_client.get(detail_url + "contacts.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    filename = f"linkedin-contacts-{task.finished_at.date().isoformat()}.csv"
    assert filename in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0] == ["Name", "Email Address", "Phone Number", "Phone Number (International)"]
    assert len(rows) == len(expected) + 1
    for row, contact in zip(rows[1:], expected, strict=True):
        phone = contact.get("phoneNumber") or {}
        original = [
            (contact.get("name") or "").strip(),
            (contact.get("emailAddress") or "").strip(),
            ((phone.get("number") if isinstance(phone, dict) else phone) or "").strip(),
        ]
        assert row[:3] == [neutralise(cell) for cell in original]
        assert row[2] == original[2]  # no phone number is ever altered, extensions included
        assert row[3] == phone_international(original[2], region="US")
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "@")) for cell in cells)
    assert any(cell.startswith("'=") for cell in cells)  # the typical book has formulas
    assert "+1 415 555 0100" in cells  # phone numbers stay as they are


def test_excel_variant_starts_with_a_byte_order_mark(member_client):
    detail_url = start_export(member_client)
    task = finished(member_client, detail_url)
    response = member_client.get(detail_url + "contacts.csv", {"variant": "excel"})
    raw = b"".join(response.streaming_content)
    assert raw.startswith(
        b"\xef\xbb\xbfName,Email Address,Phone Number,Phone Number (International)\r\n"
    )
    assert "-excel.csv" in response["Content-Disposition"]
    assert raw.decode("utf-8-sig").count("\r\n") >= task.contact_count + 1


def test_json_download_is_exactly_what_linkedin_sent(member_client, linkedin):
    detail_url = start_export(member_client)
    finished(member_client, detail_url)
    response = member_client.get(detail_url + "contacts.json")
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content)) == linkedin.contacts("typical")


def test_an_empty_address_book_is_a_success_with_no_contacts(linkedin, db):
    client = Client()
    sign_in(client, linkedin, "empty")
    detail_url = start_export(client)
    task = finished(client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    assert task.contact_count == 0
    assert "LinkedIn has no contacts for you" in client.get(detail_url).content.decode()
    csv_body = b"".join(client.get(detail_url + "contacts.csv").streaming_content)
    assert csv_body == b"Name,Email Address,Phone Number,Phone Number (International)\r\n"
    assert json.loads(b"".join(client.get(detail_url + "contacts.json").streaming_content)) == []


def test_home_lists_past_exports_with_status_and_size(member_client):
    task = finished(member_client, start_export(member_client))
    page = member_client.get("/").content.decode()
    assert f"/exports/{task.public_id}/" in page
    assert "Ready" in page
    assert str(task.contact_count) in page
