"""The spreadsheet-formula rule, the one place every CSV we serve goes through.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return could be run as a
formula by Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection"), so it is written
with a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets display as text.

The one exception is a plain phone number: an optional leading `+`, then only digits,
spaces, dots, slashes, hyphens and parentheses, optionally followed by an extension
(`ext. 43`, `ext 43`, `x43`, `#43`), or several of them joined by ` ::: ` as Google
Contacts lists a person's phones in one cell. Such a cell can hold no function name, no reference
to another sheet or program and no URL, so it cannot run anything; it is left exactly as
LinkedIn sent it. Names and e-mail addresses that start with none of the triggers are
never touched either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PHONE_NUMBER = r"""
    (?=[^0-9]*[0-9])            # at least one digit
    \+?[0-9(][0-9 ()./-]*       # a number as people write it, starting with + ( or a digit
    (?:\ *(?:ext\.?|x|\#)\ *[0-9]+)?   # an optional extension
"""
PLAIN_PHONE_NUMBERS = re.compile(
    rf"{_PHONE_NUMBER}(?:\ :::\ {_PHONE_NUMBER})*", re.VERBOSE | re.IGNORECASE
)


def neutralise(cell: str) -> str:
    """Return `cell` so that no spreadsheet will run it as a formula."""
    if cell.startswith(FORMULA_TRIGGERS) and not _plain_phone_number(cell):
        return "'" + cell
    return cell


def neutralise_row(cells: Sequence[str]) -> Sequence[str]:
    """Return `cells` with every cell `neutralise`d: `cells` itself when none changes, as
    in most rows (a phone starting with "+" is left as it is), so a download copies no row
    it does not need to.
    """
    for cell in cells:
        # The first character in a set: cheaper than `startswith` with a tuple, and this
        # test runs for every cell of a download.
        if cell and cell[0] in _TRIGGER_CHARACTERS and neutralise(cell) is not cell:
            return [neutralise(cell) for cell in cells]
    return cells


_TRIGGER_CHARACTERS = frozenset(FORMULA_TRIGGERS)  # each trigger is one character


def _plain_phone_number(cell: str) -> bool:
    # A phone in international form ("+442079460958", in every other row of a download)
    # is a plain phone number; only other cells need the pattern.
    if cell[1:].isdigit() and cell.isascii() and cell[0] == "+":
        return True
    return PLAIN_PHONE_NUMBERS.fullmatch(cell) is not None
