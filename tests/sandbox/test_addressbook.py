"""The deterministic address-book generator, and what the typical member's book holds."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter

import pytest

from linkedin_sandbox import addressbook


def name_of(contact: dict) -> str:
    return contact.get("name", "")


def phone_of(contact: dict) -> str | None:
    return (contact.get("phoneNumber") or {}).get("number")


def is_non_latin(name: str, script: str) -> bool:
    return any(script in unicodedata.name(character, "") for character in name)


CATEGORIES = {
    "missing fields": lambda c: len(c) < 3,
    "empty strings": lambda c: "" in (c.get("emailAddress"), c.get("name"), phone_of(c)),
    "only a phone": lambda c: set(c) == {"phoneNumber"} and phone_of(c),
    "only an email": lambda c: set(c) == {"emailAddress"} and c["emailAddress"],
    "CJK": lambda c: is_non_latin(name_of(c), "CJK"),
    "Arabic": lambda c: is_non_latin(name_of(c), "ARABIC"),
    "Cyrillic": lambda c: is_non_latin(name_of(c), "CYRILLIC"),
    "Greek": lambda c: is_non_latin(name_of(c), "GREEK"),
    "accents": lambda c: is_non_latin(name_of(c), "WITH ACUTE"),
    "emoji": lambda c: any(ord(character) > 0x1F000 for character in name_of(c)),
    "=formula": lambda c: name_of(c).startswith('=HYPERLINK("http://x","click")'),
    "@formula": lambda c: name_of(c).startswith("@SUM(A1)"),
    "+formula": lambda c: name_of(c).startswith("+cmd|' /C calc'!A0"),
    "-formula": lambda c: name_of(c) == "-2+3",
    "leading tab": lambda c: name_of(c).startswith("\t"),
    "leading carriage return": lambda c: name_of(c).startswith("\r"),
    "script tag": lambda c: name_of(c) == "<script>alert(1)</script>",
    "bold tag": lambda c: name_of(c) == "<b>bold</b>",
    "comma": lambda c: "," in name_of(c),
    "double quote": lambda c: '"' in name_of(c),
    "newline": lambda c: "\n" in name_of(c),
    "+1 415 555 0100": lambda c: phone_of(c) == "+1 415 555 0100",
    "(415) 555-0100": lambda c: phone_of(c) == "(415) 555-0100",
    "+44 20 7946 0958": lambda c: phone_of(c) == "+44 20 7946 0958",
}


def has_exact_duplicates(contacts: list[dict]) -> bool:
    counts = Counter(json.dumps(contact, sort_keys=True) for contact in contacts)
    return counts.most_common(1)[0][1] > 1


def test_the_same_seed_and_count_give_the_same_book():
    assert addressbook.generate("seed", 500) == addressbook.generate("seed", 500)


def test_another_seed_gives_another_book():
    assert addressbook.generate("one", 200) != addressbook.generate("two", 200)


@pytest.mark.parametrize("count", [0, 1, 7, 321, 5000])
def test_the_book_has_the_asked_size(count):
    assert len(addressbook.generate("size", count)) == count


def test_contacts_have_linkedins_shape():
    for contact in addressbook.generate("shape", 2000):
        assert set(contact) <= {"emailAddress", "name", "phoneNumber"}
        assert all(isinstance(contact.get(key, ""), str) for key in ("emailAddress", "name"))
        if "phoneNumber" in contact:
            assert isinstance(contact["phoneNumber"], dict)


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_typical_book_holds_every_awkward_category(sandbox, category):
    contacts = sandbox.contacts("typical")

    assert any(CATEGORIES[category](contact) for contact in contacts), category


def test_the_typical_book_holds_exact_duplicates(sandbox):
    assert has_exact_duplicates(sandbox.contacts("typical"))


def test_the_large_book_holds_every_awkward_category_too():
    contacts = addressbook.generate("large", 50_000)

    for category, matches in CATEGORIES.items():
        assert any(matches(contact) for contact in contacts), category
    assert has_exact_duplicates(contacts)


def test_the_large_book_is_mostly_realistic():
    contacts = addressbook.generate("large", 50_000)

    with_email = [
        c for c in contacts if re.fullmatch(r"[^@\s]+@[^@\s]+", c.get("emailAddress", ""))
    ]
    assert len(with_email) > 40_000
