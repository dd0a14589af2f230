"""CSV downloads of an address book, safe to open in a spreadsheet.

The formula rule: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return could be run as a formula by Excel, LibreOffice or Google Sheets, so it is
written with a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets display
as text. The one exception is a cell made only of an optional leading `+`, digits,
spaces, dots, hyphens and parentheses, such as the phone number `+1 415 555 0100`:
no formula can be built from those characters, so it is left exactly as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

HEADER = ("Name", "Email Address", "Phone Number")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"\+?[0-9 ().-]+")
UTF8_BOM = "\ufeff"
CHUNK_CHARACTERS = 64 * 1024


def neutralise(cell: str) -> str:
    """Return `cell` so that no spreadsheet will run it as a formula."""
    if cell.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def csv_chunks(rows: Iterable[Iterable[str]], *, excel: bool = False) -> Iterator[bytes]:
    """Yield RFC 4180 CSV (CRLF line ends) as UTF-8 in chunks of about 64 KB.

    With `excel`, a byte-order mark comes first so Excel reads the file as UTF-8.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the default dialect is RFC 4180: CRLF, quotes doubled
    if excel:
        buffer.write(UTF8_BOM)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        if buffer.tell() >= CHUNK_CHARACTERS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
