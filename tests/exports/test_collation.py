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


# --- the order of the member's language (issue 19) ------------------------------------------


def in_order_of(collation_code: str, *values: str) -> list[str]:
    return sorted(values, key=lambda value: sort_key(value, collation_code))


def test_german_sorts_o_umlaut_with_o_and_swedish_after_z():
    names = ("Zorro", "Östen", "Olof", "Ärla", "Anna", "Åsa", "Pia")
    assert in_order_of("de", *names) == ["Anna", "Ärla", "Åsa", "Olof", "Östen", "Pia", "Zorro"]
    # Swedish (not a language of the site, the proof of a tailoring): å, ä, ö after z.
    assert in_order_of("sv", *names) == ["Anna", "Olof", "Pia", "Zorro", "Åsa", "Ärla", "Östen"]


def test_a_language_without_an_order_of_its_own_sorts_in_the_root_order():
    assert collation.collation_for("en") == ""
    assert collation.collation_for("xx-bogus") == ""
    assert collation.collation_for(None) == ""
    assert collation.collation_for("pt-BR") == "pt-br"
    assert collation.collator_locale("") == collation.COLLATION
    assert collation.collator_locale("pt-br").startswith("pt-BR-u-")
    assert sort_key("Östen", "") == sort_key("Östen", "en")


@pytest.mark.parametrize("code", ["ja", "ar", "fr", "es", "pt-br"])
def test_every_language_makes_keys_for_any_script_and_keeps_ignoring_case_and_accents(code):
    values = ("山田太郎", "やまだ", "ヤマダ", "محمد", "أحمد", "Émile", "emile", "—", "Zoë")
    keys = [sort_key(value, code) for value in values]
    assert all(isinstance(key, bytes) and key for key in keys)
    assert sort_key("Émile", code) == sort_key("emile", code)
    assert in_order_of(code, "—", "Zoë", "Anna")[-1] == "—"  # marks alone still last


def test_search_is_the_same_in_every_language_no_case_no_accents():
    # Search folds text without any language: a member finds "Müller" by "muller" in any.
    assert search_form("MÜLLER") == search_form("Mu\u0308ller") == "muller"
    assert search_form("Åsa") == "asa"


def test_the_page_says_which_alphabetical_order_in_the_active_language():
    from django.utils import translation

    with translation.override("en"):
        assert collation.order_text("de") == "Sorted in the alphabetical order of German."
        assert collation.order_text("") == "Sorted in the standard Unicode alphabetical order."
