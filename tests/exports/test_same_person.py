"""The rule of who is one person, pure: the same e-mail, or the same phone and a matching
name; contacts sharing only a phone are said to share it, never merged into one person.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exports.same_person import (
    MAX_SHARED,
    NOT_GROUPED,
    RULE_TEXT,
    Keys,
    Rule,
    group,
    listed_more_than_once_text,
    person_name_key,
)

NONE = NOT_GROUPED


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Smith, John", "John Smith"),
        ("john SMITH", "John Smith"),
        ("Chloé Müller", "Chloe Muller"),
        ("  Ada   Lovelace ", "Lovelace Ada"),
        ("李娜", "李娜"),
    ],
)
def test_names_of_one_person_match(a, b):
    assert person_name_key(a) == person_name_key(b) != ""


@pytest.mark.parametrize(("a", "b"), [("John Smith", "Jane Smith"), ("李娜", "陈伟")])
def test_names_of_different_people_do_not(a, b):
    assert person_name_key(a) != person_name_key(b)


def test_no_name_has_no_key():
    assert person_name_key("") == person_name_key("  ,  ") == ""


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_an_ascii_name_is_keyed_as_any_other(name):
    # A lone combining mark is dropped, and takes the key through the non-ASCII path.
    assert person_name_key(name) == person_name_key(name + " \u0301")


def keys(email="", phone="", name=""):
    return Keys(email=email, phone=phone, name=person_name_key(name))


def test_the_same_email_is_one_person_whatever_the_names():
    grouping = group([keys("ada@x", name="Ada"), keys("b@x"), keys("ada@x", name="A. L.")])
    assert grouping.person == [0, NONE, 0]
    assert grouping.rules == {0: Rule.SAME_EMAIL}
    assert grouping.shared_phone == [NONE] * 3


def test_the_same_phone_and_a_matching_name_is_one_person():
    book = [keys(phone="+1415", name="Smith, John"), keys(phone="+1415", name="John Smith")]
    grouping = group(book)
    assert grouping.person == [0, 0]
    assert grouping.rules == {0: Rule.SAME_PHONE_AND_NAME}
    assert grouping.shared_phone == [NONE, NONE]  # one person's one phone


def test_an_office_line_shared_by_different_names_is_shared_not_one_person():
    book = [
        keys("ann@corp", "+1415", "Ann Lee"),
        keys("bob@corp", "+1415", "Bob Ray"),
        keys(phone="+1415"),  # no name: no evidence either
        keys("carl@x", "+1206", "Carl"),
    ]
    grouping = group(book)
    assert grouping.person == [NONE] * 4
    assert grouping.rules == {}
    assert grouping.shared_phone == [0, 0, 0, NONE]


def test_one_person_listed_twice_beside_a_colleague_on_the_same_line():
    book = [
        keys("ann@corp", "+1415", "Ann Lee"),
        keys("bob@corp", "+1415", "Bob Ray"),
        keys("ann.lee@home", "+1415", "Lee, Ann"),
    ]
    grouping = group(book)
    assert grouping.person == [0, NONE, 0]
    assert grouping.rules == {0: Rule.SAME_PHONE_AND_NAME}
    assert grouping.shared_phone == [0, 0, 0]  # Bob shares the line with Ann


def test_both_rules_in_one_group_and_groups_chained_through_others():
    book = [
        keys("ada@x", "+44", "Ada Lovelace"),
        keys("ada@x", "", "Ada"),
        keys("", "+44", "Lovelace, Ada"),
        keys("zed@x", "", "Zed"),
    ]
    grouping = group(book)
    assert grouping.person == [0, 0, 0, NONE]
    assert grouping.rules == {0: Rule.SAME_EMAIL | Rule.SAME_PHONE_AND_NAME}
    assert RULE_TEXT[grouping.rules[0]] == "the same e-mail address, phone number and name"
    assert grouping.people_listed_more_than_once == 1
    assert grouping.entries_of_people_listed_more_than_once == 3


def test_a_key_held_by_more_than_the_bound_joins_nobody():
    book = [keys("info@corp", name=f"Person {n}") for n in range(MAX_SHARED + 1)]
    grouping = group(book)
    assert grouping.person == [NONE] * len(book)


@pytest.mark.parametrize(
    ("people", "entries", "contacts", "text"),
    [
        (0, 0, 321, "Nobody is listed more than once."),
        (1, 4, 321, "1 person is listed more than once: 4 of your 321 contacts (1%)."),
        (
            12_345,
            26_769,
            50_000,
            "12,345 people are listed more than once: 26,769 of your 50,000 contacts (54%).",
        ),
        (
            1,
            2,
            250_000,
            "1 person is listed more than once: 2 of your 250,000 contacts (under 1%).",
        ),
    ],
)
def test_the_count_is_said_in_proportion(people, entries, contacts, text):
    assert listed_more_than_once_text(people=people, entries=entries, contacts=contacts) == text
