"""The spreadsheet-formula rule, the one place every CSV we serve goes through.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return could be run as a
formula by Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection"), so it is written
with a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets display as text.

The same holds for a trigger hidden behind invisible characters or written with a look-alike:

- **Hidden**: a cell whose first character is invisible (a format character such as the
  zero-width space U+200B, the word joiner U+2060, the byte-order mark U+FEFF, the soft
  hyphen, a bidirectional control; or any white space or control character) is judged by
  its first visible character. What was seen, converting a CSV headlessly with LibreOffice
  Calc 7.4 (formula evaluation on): a leading space is dropped when "trim spaces" is on and
  `" =1+1"` becomes the formula `=1+1`; a U+FEFF at the very start of a file is taken for
  the byte-order mark and dropped, so `"\\ufeff=1+1"` runs as soon as its row starts a file
  (a file cut into pieces at line ends); with U+200B, U+2060, U+200C/D/E, U+202E, U+00AD,
  U+180E, U+00A0 or U+3000 in front the cell stayed text. Excel and Google Sheets could not
  be run here. Which application drops which invisible character is uneven and changes
  between versions, while the cost of the apostrophe is nil (a real name does not start
  with an invisible character), so every such cell is neutralised.
- **Look-alike**: a cell whose first visible character is a compatibility form of a trigger
  (the full-width equals, plus, minus and at signs U+FF1D, U+FF0B, U+FF0D, U+FF20; the
  small forms U+FE62, U+FE63, U+FE66, U+FE6B; superscript and subscript plus and equals
  U+207A, U+207C, U+208A, U+208C; U+FB29: every character that Unicode NFKC folds to `=`,
  `+`, `-` or `@`). LibreOffice 7.4 kept them all as text; Excel is reported
  to take a full-width equals sign typed at the start of a cell for `=` (Japanese input; not
  verified here), and an importer that normalises text (NFKC) makes the real trigger of
  them, so they are neutralised.
- Not triggers: other dashes and minus signs (U+2212, U+2013), which no spreadsheet reads as
  an operator and NFKC leaves alone; LibreOffice kept U+2212 `1+1` as text.

The one exception is a plain phone number: an optional leading `+`, then only digits,
spaces, dots, slashes, hyphens and parentheses, optionally followed by an extension
(`ext. 43`, `ext 43`, `x43`, `#43`), or several of them joined by ` ::: ` as Google
Contacts lists a person's phones in one cell. Such a cell can hold no function name, no reference
to another sheet or program and no URL, so it cannot run anything; it is left exactly as
LinkedIn sent it, also behind invisible characters or in full-width digits (judged on its
visible text, NFKC-folded). Names and e-mail addresses that start with none of the triggers
are never touched either.

Cost: every cell of a download is checked by one set lookup on its first character; only
the rare cell that starts with a trigger, an invisible character or a look-alike is looked
at further.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Every character whose NFKC form is one of the operator triggers (checked by a test
# against the Unicode database).
LOOK_ALIKE_TRIGGERS = frozenset(
    "\u207a\u207c\u208a\u208c\ufb29\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20"
)
# The invisible characters, as code-point ranges: Unicode's format characters (Cf), control
# characters (Cc) and separators (Zs, Zl, Zp), ASCII space included (checked by a test
# against the Unicode database).
_INVISIBLE_RANGES = (
    (0x0000, 0x0020),
    (0x007F, 0x00A0),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x1680, 0x1680),
    (0x180E, 0x180E),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x2064),
    (0x2066, 0x206F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
INVISIBLE = frozenset(
    chr(code) for first, last in _INVISIBLE_RANGES for code in range(first, last + 1)
)
_INVISIBLE_STRING = "".join(sorted(INVISIBLE))

_PHONE_NUMBER = r"""
    (?=[^0-9]*[0-9])            # at least one digit
    \+?[0-9(][0-9 ()./-]*       # a number as people write it, starting with + ( or a digit
    (?:\ *(?:ext\.?|x|\#)\ *[0-9]+)?   # an optional extension
"""
PLAIN_PHONE_NUMBERS = re.compile(
    rf"{_PHONE_NUMBER}(?:\ :::\ {_PHONE_NUMBER})*", re.VERBOSE | re.IGNORECASE
)

# The first characters that make a cell worth a closer look: each is one character.
_TRIGGER_CHARACTERS = frozenset(FORMULA_TRIGGERS)
_OPERATORS = frozenset("=+-@") | LOOK_ALIKE_TRIGGERS
_SUSPECT_FIRST = _TRIGGER_CHARACTERS | LOOK_ALIKE_TRIGGERS | INVISIBLE


def neutralise(cell: str) -> str:
    """Return `cell` so that no spreadsheet will run it as a formula."""
    if not cell or cell[0] not in _SUSPECT_FIRST:
        return cell
    if cell[0] in _TRIGGER_CHARACTERS:
        return cell if _plain_phone_number(cell) else "'" + cell
    # Hidden or look-alike: judge the visible text, folded as an importer might fold it.
    visible = cell.lstrip(_INVISIBLE_STRING)
    if not visible or visible[0] not in _OPERATORS:
        return cell
    return cell if _plain_phone_number(unicodedata.normalize("NFKC", visible)) else "'" + cell


def neutralise_row(cells: Sequence[str]) -> Sequence[str]:
    """Return `cells` with every cell `neutralise`d: `cells` itself when none changes, as
    in most rows (a phone starting with "+" is left as it is), so a download copies no row
    it does not need to.
    """
    for cell in cells:
        # The first character in a set: cheaper than `startswith` with a tuple, and this
        # test runs for every cell of a download.
        if cell and cell[0] in _SUSPECT_FIRST and neutralise(cell) is not cell:
            return [neutralise(cell) for cell in cells]
    return cells


def _plain_phone_number(cell: str) -> bool:
    # A phone in international form ("+442079460958", in every other row of a download)
    # is a plain phone number; only other cells need the pattern.
    if cell[1:].isdigit() and cell.isascii() and cell[0] == "+":
        return True
    return PLAIN_PHONE_NUMBERS.fullmatch(cell) is not None
