"""Phones are never guessed into another country: an international form only for a number
that states its country, or that is valid for the member's country; every other number is
kept exactly as LinkedIn sent it, on every page and in every download.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from exports.downloads import FORMATS
from exports.phones import PhoneReader, phone_international
from tests.fixtures_app import finished, sign_in, start_export


@pytest.mark.parametrize(
    ("number", "region", "international"),
    [
        # American numbers written without +1 in a British member's book: not British ones.
        ("415-555-0102", "GB", ""),
        ("312-555-0100", "GB", ""),
        ("(646) 555-0123", "GB", ""),
        ("1 415 555 0102", "GB", ""),
        # A British number in a British book, and the same for an American member.
        ("020 7946 0958", "GB", "+442079460958"),
        ("020 7946 0958", "US", ""),
        ("415-555-0102", "US", "+14155550102"),
        ("(312) 555-0100", "US", "+13125550100"),
        # A German member: a Berlin number is placed, an American or British one is not...
        ("030 55551234", "DE", "+493055551234"),
        ("312-555-0100", "DE", ""),
        ("020 7946 0958", "DE", ""),
        # ...unless its digits are also a valid German number (German numbers vary in
        # length): validity is libphonenumber's, and what it calls valid is placed.
        ("415-555-0102", "DE", "+494155550102"),
        # A French member: a Paris number, and a British one written the British way.
        ("01 55 55 01 00", "FR", "+33155550100"),
        ("020 7946 0958", "FR", ""),
        # An Indian member's mobile, and an American number without its +1.
        ("098765 43210", "IN", "+919876543210"),
        ("312-555-0100", "IN", ""),
        ("(212) 555-0147", "FR", ""),
        # A number that states its country is read as that country's, whoever's book it is in.
        ("+1 415 555 0102", "GB", "+14155550102"),
        ("+1-415-555-0164 ext. 43", "GB", "+14155550164 ext. 43"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("+49 30 55551234", "IN", "+493055551234"),
        ("011 44 20 7946 0958", "US", "+442079460958"),
        # A British member's number written with the IDD of another country is not one.
        ("0044 20 7946 0958", "US", ""),
    ],
)
def test_a_number_without_its_country_code_is_placed_only_when_valid_for_the_members_country(
    number, region, international
):
    assert phone_international(number, region=region) == international


def test_the_reader_of_a_book_applies_the_same_rule_every_time_it_meets_a_number():
    reader = PhoneReader(region="GB")
    for _ in range(2):  # the second answer comes from its memory
        assert reader.international("415-555-0102") == ""
        assert reader.international("020 7946 0958") == "+442079460958"


# The American area codes of the sandbox's numbers, wrongly given Britain's +44.
GUESSED_INTO_BRITAIN = re.compile(r"\+44 ?(415|212|646|312|206)")


def everything_the_member_can_see(client: Client, detail_url: str) -> dict[str, str]:
    """Each page and each download of one export, by name."""
    seen = {"page": client.get(detail_url).content.decode()}
    seen["duplicates"] = client.get(f"{detail_url}duplicates/").content.decode()
    for key in FORMATS:
        for params in ({}, {"merged": "1"}):
            response = client.get(f"{detail_url}download/{key}/", params)
            assert response.status_code == 200, (key, params)
            seen[f"{key}{params}"] = b"".join(response.streaming_content).decode()
    return seen


@pytest.mark.django_db
def test_the_changing_members_american_numbers_stay_as_sent_on_every_page_and_download(
    linkedin, settings
):
    settings.CONTACTS_PER_PAGE = 500  # the whole book on one page
    client = Client()
    sign_in(client, linkedin, "changing")
    first = finished(client, start_export(client))
    assert first.owner.linkedin_account.country == "GB"
    second_url = start_export(client)
    finished(client, second_url)
    numbers = {
        (c.get("phoneNumber") or {}).get("number", "")
        for version in (0, 1)
        for c in linkedin.contacts("changing", version=version)
    }
    assert "415-555-0102" in numbers  # "Smith, John", the example
    for url in (f"/exports/{first.public_id}/", second_url):
        for name, text in everything_the_member_can_see(client, url).items():
            assert not GUESSED_INTO_BRITAIN.search(text), (url, name)
        vcard = client.get(f"{url}download/vcard/")
        assert "TEL:415-555-0102" in b"".join(vcard.streaming_content).decode()
