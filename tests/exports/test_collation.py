"""The pure key functions behind sorting and searching contacts."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from exports import collation
from exports.collation import search_form, search_text, sort_key


def alphabetical(*values: str) -> list[str]:
    return sorted(values, key=sort_key)


def test_sort_keys_follow_the_alphabet_not_code_points():
    assert alphabetical("Zoë", "Çelik", "Celia", "Aisha", "Ärger", "bob") == [
        "Aisha", "Ärger", "bob", "Celia", "Çelik", "Zoë",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("one", "other"),
    [("émilie", "Emilie"), ("Müller", "Mu\u0308ller"), ("MÜLLER", "muller"), ("Ç", "c")],
)
def test_case_accents_and_unicode_form_do_not_change_a_sort_key(one, other):
    assert sort_key(one) == sort_key(other)


def test_punctuation_and_symbols_are_ignored_so_markup_and_formulas_sort_by_their_letters():
    assert sort_key("<b>Ann</b>") == sort_key("bannb")
    assert sort_key('=HYPERLINK("x")') == sort_key("hyperlinkx")
    assert sort_key("+1 (415) 555-0100") == sort_key("14155550100")


def test_a_blank_has_no_key_and_marks_alone_sort_after_every_word():
    assert sort_key("") is None
    assert alphabetical("—", "Zz", "李", "???", "1") == ["1", "Zz", "李", "—", "???"]


FULL_WIDTH_MULLER = "\uff4d\uff55\uff4c\uff4c\uff45\uff52"


@pytest.mark.parametrize(
    "typed", ["Müller", "MÜLLER", "muller", "Mu\u0308ller", "MU\u0308LLER", FULL_WIDTH_MULLER]
)
def test_every_way_of_typing_a_name_folds_to_the_same_search_form(typed):
    assert search_form(typed) == "muller"


def test_search_text_folds_each_field_on_its_own_line():
    assert (
        search_text("Zoë Brontë", "ZOE@Example.com", "+1 415")
        == "zoe bronte\nzoe@example.com\n+1 415"
    )
    assert search_form("Straße İstanbul") == "strasse istanbul"


def test_no_combining_mark_lies_beyond_the_table_of_marks_to_drop():
    beyond = range(collation._LAST_COMBINING_MARK + 1, sys.maxunicode + 1)
    assert not any(unicodedata.combining(chr(code)) for code in beyond)
