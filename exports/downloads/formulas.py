"""The spreadsheet-formula rule, the one place every CSV we serve goes through.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return could be run as a
formula by Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection"), so it is written
with a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets display as text.

The one exception is a plain phone number: an optional leading `+`, then only digits,
spaces, dots, slashes, hyphens and parentheses, optionally followed by an extension
(`ext. 43`, `ext 43`, `x43`, `#43`). Such a cell can hold no function name, no reference
to another sheet or program and no URL, so it cannot run anything; it is left exactly as
LinkedIn sent it. Names and e-mail addresses that start with none of the triggers are
never touched either.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_PHONE_NUMBER = re.compile(
    r"""
    (?=[^0-9]*[0-9])            # at least one digit
    \+?[0-9(][0-9 ()./-]*       # a number as people write it, starting with + ( or a digit
    (?:\ *(?:ext\.?|x|\#)\ *[0-9]+)?   # an optional extension
    """,
    re.VERBOSE | re.IGNORECASE,
)


def neutralise(cell: str) -> str:
    """Return `cell` so that no spreadsheet will run it as a formula."""
    if cell.startswith(FORMULA_TRIGGERS) and not PLAIN_PHONE_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
