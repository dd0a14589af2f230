"""Every download format over real HTTP against the live sandbox, checked by a parser or by
the importer's exact header set, value by value; merged downloads; "download what I see".
"""

from __future__ import annotations

import json

import pytest
import vobject
from django.test import Client

from exports import selectors
from exports.downloads.formulas import neutralise
from exports.models import Contact, ExportTask
from exports.phones import phone_international
from tests.exports import factories
from tests.exports.files import GOOGLE_HEADER, OUTLOOK_HEADER, as_vcard_text, download, read_csv
from tests.fixtures_app import finished, start_export

pytestmark = pytest.mark.django_db


def expected_contacts(linkedin, member: str = "typical") -> list[dict]:
    """The sandbox's book as the app stores it: trimmed text, phones in international form."""
    contacts = []
    for contact in linkedin.contacts(member):
        phone = contact.get("phoneNumber") or {}
        number = ((phone.get("number") if isinstance(phone, dict) else phone) or "").strip()
        contacts.append(
            {
                "name": (contact.get("name") or "").strip(),
                "email": (contact.get("emailAddress") or "").strip(),
                "phone": number,
                "best_phone": phone_international(number, region="US") or number,
            }
        )
    return contacts


def in_cards(contacts: list[dict]) -> list[dict]:
    """The contacts the card formats write: a contact with no name, e-mail or phone would be
    a blank entry on a phone, so vCard, Google and Outlook leave it out."""
    return [c for c in contacts if c["name"] or c["email"] or c["phone"]]


@pytest.fixture
def ready(member_client) -> str:
    """The typical member's finished export; its page's URL."""
    detail_url = start_export(member_client)
    finished(member_client, detail_url)
    return detail_url


def test_the_vcard_parses_and_round_trips_every_name_email_and_phone(
    member_client, ready, linkedin
):
    expected = in_cards(expected_contacts(linkedin))
    body, response = download(member_client, ready, "vcard")
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"].endswith('.vcf"')
    assert not body.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    cards = list(vobject.readComponents(body.decode("utf-8")))
    assert len(cards) == len(expected)
    for card, contact in zip(cards, expected, strict=True):
        assert card.version.value == "3.0"
        display = contact["name"] or contact["email"] or contact["best_phone"]
        assert card.fn.value == as_vcard_text(display)
        assert [line.value for line in card.contents.get("email", [])] == (
            [contact["email"]] if contact["email"] else []
        )
        assert [line.value for line in card.contents.get("tel", [])] == (
            [contact["best_phone"]] if contact["phone"] else []
        )
        assert card.uid.value


def test_vcard_uids_are_the_same_in_the_next_export(member_client, ready):
    first = [card.uid.value for card in vobject.readComponents(download_text(member_client, ready))]
    second_url = start_export(member_client)
    finished(member_client, second_url)
    second = [
        card.uid.value for card in vobject.readComponents(download_text(member_client, second_url))
    ]
    assert second == first
    assert ready != second_url


def download_text(client: Client, detail_url: str) -> str:
    return download(client, detail_url, "vcard")[0].decode("utf-8")


def test_the_google_file_has_googles_header_and_every_value(member_client, ready, linkedin):
    expected = in_cards(expected_contacts(linkedin))
    body, response = download(member_client, ready, "google")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert not body.startswith(b"\xef\xbb\xbf")
    rows = read_csv(body)
    assert rows[0] == GOOGLE_HEADER
    assert len(rows) == len(expected) + 1
    for row, contact in zip(rows[1:], expected, strict=True):
        cells = dict(zip(GOOGLE_HEADER, row, strict=True))
        whole = " ".join(part for part in (cells["First Name"], cells["Last Name"]) if part)
        assert whole == neutralise(contact["name"]) or cells["First Name"] == neutralise(
            contact["name"]
        )
        assert cells["E-mail 1 - Value"] == neutralise(contact["email"])
        assert cells["Phone 1 - Value"] == (contact["best_phone"] if contact["phone"] else "")


def test_the_outlook_file_has_outlooks_header_and_every_value(member_client, ready, linkedin):
    expected = in_cards(expected_contacts(linkedin))
    body, _ = download(member_client, ready, "outlook")
    assert body.startswith(b"First Name,Middle Name,Last Name,E-mail Address,")
    assert body.endswith(b"\r\n") and body.count(b"\r\n") >= len(expected) + 1  # CRLF records
    rows = read_csv(body)
    assert rows[0] == OUTLOOK_HEADER
    for row, contact in zip(rows[1:], expected, strict=True):
        cells = dict(zip(OUTLOOK_HEADER, row, strict=True))
        name = contact["name"]
        if cells["Last Name"]:
            assert f"{cells['First Name']} {cells['Last Name']}" == name
        else:
            assert cells["First Name"] == neutralise(name)
        assert cells["E-mail Address"] == contact["email"]
        assert cells["Mobile Phone"] == (contact["best_phone"] if contact["phone"] else "")
    assert len(rows) == len(expected) + 1


def test_no_csv_starts_a_cell_with_a_formula_and_no_phone_is_altered(member_client, ready):
    for key in ("csv", "excel", "google", "outlook"):
        body, _ = download(member_client, ready, key)
        cells = [cell for row in read_csv(body.removeprefix(b"\xef\xbb\xbf")) for cell in row]
        for cell in cells:
            assert neutralise(cell) == cell or cell.startswith("'"), (key, cell)
            assert not cell.startswith(("=", "@", "-", "\t", "\r")), (key, cell)
        assert not any(cell.startswith("'+1") for cell in cells), key


def test_hidden_and_look_alike_formulas_are_neutralised_in_every_csv(client):
    hidden = [
        '\u200b=HYPERLINK("http://evil.example")',
        "\ufeff@SUM(A1)",
        "\uff1d1+1",
        "\u2060\uff0bcmd",
    ]
    owner = factories.member()
    task = factories.export_ingested(
        owner,
        [
            *(factories.contact(name, f"{n}@example.com") for n, name in enumerate(hidden)),
            factories.contact("\u200bAda Lovelace", "ada@example.com", "\u200b+1 415 555 0100"),
        ],
    )
    client.force_login(owner)
    for key in ("csv", "excel", "google", "outlook"):
        body, _ = download(client, f"/exports/{task.public_id}/", key)
        cells = {cell for row in read_csv(body.removeprefix(b"\xef\xbb\xbf")) for cell in row}
        for name in hidden:
            assert name not in cells, (key, name)
            assert any(cell.startswith("'" + name[:2]) for cell in cells), (key, name)
        # An invisible character before no trigger changes nothing.
        assert any(cell.startswith("\u200bAda") for cell in cells), key
    body, _ = download(client, f"/exports/{task.public_id}/", "csv")
    assert "\u200b+1 415 555 0100" in {cell for row in read_csv(body) for cell in row}


def test_a_vcard_download_is_one_line_per_field_to_a_naive_reader_too(client):
    owner = factories.member()
    names = ["Ada\u2028BEGIN:VCARD", "Grace\x0bHopper", "Mary\x85Somerville", "Alan\x1cTuring"]
    task = factories.export_ingested(
        owner, [factories.contact(name, f"{n}@example.com") for n, name in enumerate(names)]
    )
    client.force_login(owner)
    body, _ = download(client, f"/exports/{task.public_id}/", "vcard")
    text = body.decode()
    assert text.splitlines() == text.split("\r\n")[:-1]
    assert sum(line == "BEGIN:VCARD" for line in text.splitlines()) == len(names)
    cards = list(vobject.readComponents(text))
    assert [card.fn.value for card in cards] == [
        "Ada\nBEGIN:VCARD",
        "Grace\nHopper",
        "Mary\nSomerville",
        "Alan Turing",
    ]


def test_download_what_i_see_narrows_every_format_to_the_search(member_client, ready):
    task = ExportTask.objects.get()
    matching = list(
        Contact.objects.filter(task=task, search_text__contains="corp.example").order_by("position")
    )
    assert 0 < len(matching) < task.contact_count
    rows = read_csv(download(member_client, ready, "csv", q="CORP.EXAMPLE")[0])
    assert [row[1] for row in rows[1:]] == [contact.email for contact in matching]
    raw = json.loads(download(member_client, ready, "json", q="corp.example")[0])
    assert raw == [contact.raw for contact in matching]
    cards = list(
        vobject.readComponents(
            download(member_client, ready, "vcard", q="corp.example")[0].decode()
        )
    )
    assert len(cards) == len(matching)
    _, response = download(member_client, ready, "vcard", q="corp.example")
    assert response["Content-Disposition"].endswith('.vcf"')


def test_merged_downloads_write_one_entry_per_person_and_lose_nothing(member_client, ready):
    task = ExportTask.objects.get()
    contacts = list(Contact.objects.filter(task=task).order_by("position"))
    groups = {
        contact.duplicate_group for contact in contacts if contact.duplicate_group is not None
    }
    blank = [c for c in contacts if not (c.name or c.email or c.phone)]  # no card for them
    people = len(contacts) - task.duplicate_count + len(groups) - len(blank)
    assert task.duplicate_count >= 2  # "Listed Twice" is in the typical book twice
    body, response = download(member_client, ready, "vcard", merged="1")
    assert "-merged.vcf" in response["Content-Disposition"]
    cards = list(vobject.readComponents(body.decode("utf-8")))
    assert len(cards) == people
    emails = {line.value for card in cards for line in card.contents.get("email", [])}
    phones = {line.value for card in cards for line in card.contents.get("tel", [])}
    assert emails == {contact.email for contact in contacts if contact.email}
    assert phones == {
        contact.phone_international or contact.phone for contact in contacts if contact.phone
    }
    uids = [card.uid.value for card in cards]
    assert len(set(uids)) == len(uids)
    for key in ("google", "outlook"):
        rows = read_csv(download(member_client, ready, key, merged="1")[0])
        assert len(rows) == people + 1, key


@pytest.mark.parametrize(
    ("key", "params"),
    [
        ("csv", {}),
        ("json", {}),
        ("vcard", {}),
        ("vcard", {"merged": "1"}),
        ("google", {"merged": "1"}),
        ("outlook", {"q": "corp.example", "merged": "1"}),
    ],
)
def test_a_download_read_in_tiny_batches_is_the_same_file(
    member_client, ready, monkeypatch, key, params
):
    whole, _ = download(member_client, ready, key, **params)
    # Batches of two and three contacts: every group and duplicate crosses a boundary.
    monkeypatch.setattr(selectors.in_order, "DOWNLOAD_FIRST_ROWS", 2)
    monkeypatch.setattr(selectors.in_order, "DOWNLOAD_ROWS", 3)
    assert download(member_client, ready, key, **params)[0] == whole


def test_merged_people_come_in_the_order_of_their_first_contact(member_client, ready):
    task = ExportTask.objects.get()
    firsts = [
        contact
        for contact in Contact.objects.filter(task=task).order_by("position")
        if contact.duplicate_group in (None, contact.position)
        and (contact.name or contact.email or contact.phone)  # a blank contact has no card
    ]
    rows = read_csv(download(member_client, ready, "outlook", merged="1")[0])[1:]
    emails = [row[3] for row in rows]
    for contact, email in zip(firsts, emails, strict=True):
        if contact.email:
            assert email.casefold() == contact.email.casefold()


def test_formats_that_do_not_merge_ignore_the_merged_option(member_client, ready):
    task = ExportTask.objects.get()
    body, response = download(member_client, ready, "csv", merged="1")
    assert len(read_csv(body)) == task.contact_count + 1
    assert "merged" not in response["Content-Disposition"]


def test_an_unknown_format_is_not_found(member_client, ready):
    assert member_client.get(f"{ready}download/xlsx/").status_code == 404


def test_the_page_offers_every_format_with_where_it_goes(member_client, ready):
    page = member_client.get(ready).content.decode()
    assert "<details" in page and "Download your contacts" in page
    for key, hint in [
        ("vcard", "For your phone, Apple Contacts and Google Contacts"),
        ("google", "contacts.google.com"),
        ("outlook", "Outlook and Microsoft 365"),
        ("excel", "Excel, Numbers, LibreOffice"),
        ("json", "Every field of every contact"),
    ]:
        assert f"{ready}download/{key}/" in page
        assert hint in page
    searched = member_client.get(ready, {"q": "corp.example"}).content.decode()
    assert f"{ready}download/vcard/?q=corp.example" in searched
    fragment = member_client.get(
        ready, {"q": "corp.example"}, headers={"HX-Request": "true", "HX-Target": "contacts"}
    ).content.decode()
    assert 'id="download-scope"' in fragment and 'hx-swap-oob="outerHTML"' in fragment
    assert f"{ready}download/csv/?q=corp.example" in fragment


def test_the_page_shows_each_phone_in_international_form_beside_the_original(member_client, ready):
    task = ExportTask.objects.get()
    contact = Contact.objects.filter(task=task, phone="(415) 555-0100").get()
    page = member_client.get(ready, {"q": "(415) 555-0100"}).content.decode()
    assert contact.phone_international == "+14155550100"
    assert "(415) 555-0100" in page and "+14155550100" in page
