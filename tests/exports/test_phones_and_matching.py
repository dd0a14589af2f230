"""Pure logic of issue 10: phone numbers in international form, match keys, fingerprints,
the member's country, and the formula rule over every phone of the demo books.
"""

from __future__ import annotations

import re

import pytest

from contactsapp.linkedin_auth.sign_in import _country
from exports import matching
from exports.downloads.formulas import neutralise
from exports.phones import PhoneReader, phone_international
from linkedin_sandbox import addressbook

DEMO_BOOKS = [("typical", 321), ("large", 50_000)]


def demo_phones(member: str, count: int) -> list[str]:
    numbers = (
        (c.get("phoneNumber") or {}).get("number") for c in addressbook.generate(member, count)
    )
    return [number.strip() for number in numbers if isinstance(number, str) and number.strip()]


@pytest.mark.parametrize(
    ("number", "region", "international"),
    [
        ("+1 415 555 0100", "US", "+14155550100"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("415.555.0123", "US", "+14155550123"),
        ("14155550123", "US", "+14155550123"),
        ("+1-415-555-0164 ext. 43", "US", "+14155550164 ext. 43"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+33 1 55 55 01 00", "GB", "+33155550100"),
        ("+81 3-5555-0100", "FR", "+81355550100"),
        ("+7 495 555-01-00", "", "+74955550100"),
        # No country code and no region, or not a number: kept as sent (no international form).
        ("020 7946 0958", "US", ""),
        ("415 555 0100", "", ""),
        ("call the front desk", "US", ""),
        ("12", "US", ""),
        ("", "US", ""),
    ],
)
def test_numbers_are_read_with_the_members_country_as_default_region(number, region, international):
    assert phone_international(number, region=region) == international


@pytest.mark.parametrize(("member", "count"), DEMO_BOOKS)
def test_every_demo_phone_gets_the_right_international_form_or_stays_as_sent(member, count):
    for number in demo_phones(member, count):
        international = phone_international(number, region="US")
        written, _, extension = number.partition(" ext. ")
        digits = re.sub(r"\D", "", written)
        if number.startswith("+"):  # a country code: E.164 is + and the digits
            expected = f"+{digits}"
        elif len(digits) == 10:  # a US number without its country code
            expected = f"+1{digits}"
        elif len(digits) == 11 and digits.startswith("1"):
            expected = f"+{digits}"
        else:  # London's 020 numbers have no meaning in the US: not guessed
            expected = ""
        if expected and extension:
            expected += f" ext. {extension}"
        assert international == expected, number


@pytest.mark.parametrize(("member", "count"), DEMO_BOOKS)
def test_no_demo_phone_nor_its_international_form_is_altered_by_the_formula_rule(member, count):
    phones = demo_phones(member, count)
    assert any(" ext. " in number for number in phones)
    for number in phones:
        assert neutralise(number) == number
        international = phone_international(number, region="US")
        assert neutralise(international) == international


def test_the_reader_remembers_numbers_and_answers_the_same():
    reader = PhoneReader(region="US")
    assert reader.international("(415) 555-0100") == "+14155550100"
    assert reader.international("(415) 555-0100") == "+14155550100"
    assert reader.international("not a phone") == ""


@pytest.mark.parametrize(
    ("locale", "country"),
    [
        ({"country": "US", "language": "en"}, "US"),
        ({"country": "gb", "language": "en"}, "GB"),
        ("en-US", "US"),
        ("fr_FR", "FR"),
        ("en", ""),
        (None, ""),
        ({"country": "USA"}, ""),
        ({"country": 12}, ""),
        (["US"], ""),
    ],
)
def test_the_country_is_read_from_linkedins_locale_whatever_its_shape(locale, country):
    assert _country(locale) == country


def test_match_keys_prefer_email_then_phone_then_name():
    key = matching.match_key
    assert (
        key(email=" Ada@Example.COM ", phone_international="+1", name="x")
        == "email:ada@example.com"
    )
    assert key(email="", phone_international="+14155550100", name="Ada") == "phone:+14155550100"
    assert key(email="", phone_international="", name="  ADA   Lovelace ") == "name:ada lovelace"
    assert key(email="", phone_international="", name="   ") == ""


def test_fingerprints_are_keyed_per_member_and_hold_nothing_readable(settings):
    first = matching.fingerprinter(owner_id=1)
    value = "email:ada@example.com"
    assert first(value) == matching.fingerprinter(owner_id=1)(value)
    assert first(value) != matching.fingerprinter(owner_id=2)(value)
    assert isinstance(first(value), int) and 0 < first(value) < 2**63
    assert first("") == 0
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"
    assert matching.fingerprinter(owner_id=1)(value) != first(value)  # the server's secret


def test_vcard_uids_are_stable_per_member_and_person():
    uid = matching.vcard_uids(owner_id=1)
    assert uid("email:ada@example.com") == matching.vcard_uids(owner_id=1)("email:ada@example.com")
    assert uid("email:ada@example.com") != uid("email:bob@example.com")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", uid("x"))
