"""Contacts with nothing to put in a card (no name, e-mail or phone) are left out of the
vCard, Google and Outlook files, where they would be blank entries, and kept in the
spreadsheet, CSV and JSON; the download menu says so.
"""

from __future__ import annotations

import json

import pytest
import vobject

from exports.downloads.base import Person, Phone
from exports.downloads.blank import is_blank, without_blanks
from exports.models import Contact, ExportTask
from tests.exports.files import GOOGLE_HEADER, OUTLOOK_HEADER, download, read_csv
from tests.fixtures_app import finished, start_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(member_client) -> str:
    detail_url = start_export(member_client)
    finished(member_client, detail_url)
    return detail_url


@pytest.mark.parametrize(
    ("person", "blank"),
    [
        (Person(), True),
        (Person(name="   "), True),
        (Person(emails=("",)), True),
        (Person(phones=(Phone(as_sent=""),)), True),
        (Person(name="Ada"), False),
        (Person(emails=("ada@example.com",)), False),
        (Person(phones=(Phone(as_sent="call the front desk"),)), False),
        (Person(phones=(Phone(as_sent="+1 415 555 0100", international="+14155550100"),)), False),
    ],
)
def test_a_contact_is_blank_with_no_name_email_or_phone(person, blank):
    assert is_blank(person) is blank


def test_leaving_blanks_out_keeps_everyone_else_in_order():
    people = [Person(name="A"), Person(), Person(emails=("b@example.com",)), Person(name=" ")]
    assert list(without_blanks(people)) == [people[0], people[2]]


def blank_contacts(task: ExportTask) -> list[Contact]:
    return list(Contact.objects.filter(task=task, name="", email="", phone=""))


def test_the_card_formats_leave_blank_contacts_out_and_the_others_keep_them(member_client, ready):
    task = ExportTask.objects.get()
    blanks = blank_contacts(task)
    assert len(blanks) >= 2  # the typical book's {} and its all-empty contact
    cards_expected = task.contact_count - len(blanks)
    for params in ({}, {"merged": "1"}):
        cards = list(
            vobject.readComponents(download(member_client, ready, "vcard", **params)[0].decode())
        )
        assert all(card.fn.value.strip() for card in cards), params
        if not params:
            assert len(cards) == cards_expected
        for key, header in (("google", GOOGLE_HEADER), ("outlook", OUTLOOK_HEADER)):
            rows = read_csv(download(member_client, ready, key, **params)[0])
            assert rows[0][: len(header)] == header, key
            if not params:
                assert len(rows) - 1 == cards_expected, key
            for row in rows[1:]:
                assert any(cell.strip() for cell in row), (key, params)
    # The spreadsheet, CSV and JSON keep every contact, blanks included.
    for key in ("csv", "excel"):
        rows = read_csv(download(member_client, ready, key)[0].decode("utf-8-sig").encode())
        assert len(rows) - 1 == task.contact_count, key
        assert sum(1 for row in rows[1:] if not any(cell.strip() for cell in row)) >= len(blanks)
    raw = json.loads(download(member_client, ready, "json")[0])
    assert len(raw) == task.contact_count


def test_the_download_menu_says_blank_contacts_are_left_out_of_the_cards(member_client, ready):
    page = member_client.get(ready).content.decode()
    assert "Contacts with no name, e-mail or phone are left out of the vCard, Google" in page
    assert "the spreadsheet, CSV and JSON keep them" in page
