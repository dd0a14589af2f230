"""LinkedIn's `Connections.csv` read as LinkedIn writes it.

Its quirks: a "Notes:" paragraph (quoted, with commas) and a blank line before the header;
a byte-order mark; blank padding rows; quoted commas and line breaks in values; dates like
`06 Dec 2026` (English month names, whatever the member's language). Anything else that is
not this file — no header, a row longer than the header, broken quoting — is refused with
the line it was found on, and nothing is stored.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from enrichment.services.archive import ArchiveRefused

# LinkedIn's column → our field. The first four must be there; the others may be missing.
COLUMNS = {
    "first name": "first_name",
    "last name": "last_name",
    "company": "company",
    "position": "title",
    "url": "url",
    "email address": "email",
    "connected on": "connected_on",
}
REQUIRED = ("first name", "last name", "company", "position")
# The header comes after the notes paragraph: it is looked for among the first rows.
HEADER_SEARCH_ROWS = 20
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_DATE = re.compile(r"(\d{1,2})[ -]([A-Za-z]{3})[A-Za-z]*\.?[ -](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class ConnectionRow(NamedTuple):
    line: int  # where the row starts in the file, from 1, for messages
    first_name: str
    last_name: str
    url: str
    email: str
    company: str
    title: str
    connected_on: date | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def connection_rows(text: str) -> list[ConnectionRow]:
    """Return every connection of the CSV `text`, in the file's order.

    Raise `ArchiveRefused` (with the line) when it is not LinkedIn's Connections.csv.
    """
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    limit = settings.ENRICHMENT_MAX_CONNECTIONS
    try:
        header = _header(reader)
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # LinkedIn's blank padding rows
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                raise ArchiveRefused(
                    _(
                        "Line %(line)s has %(values)s values where the header has"
                        " %(columns)s: the file is not a well-formed CSV."
                    )
                    % {"line": reader.line_num, "values": len(cells), "columns": len(header)}
                )
            if len(rows) >= limit:
                raise ArchiveRefused(_too_many(limit))
            rows.append(_row(reader.line_num, header, cells))
    except csv.Error as error:
        raise ArchiveRefused(
            _("The file is not a well-formed CSV (line %(line)s: %(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from error
    return rows


def connection_records(records: list[dict[str, str]]) -> list[ConnectionRow]:
    """Return the connections of the Member Data Portability API's `snapshotData` rows,
    keyed by the archive's column names, by the same rules as the file's rows.

    Raise `ArchiveRefused` when a row lacks the columns LinkedIn's file has.
    """
    limit = settings.ENRICHMENT_MAX_CONNECTIONS
    if len(records) > limit:
        raise ArchiveRefused(_too_many(limit))
    rows = []
    for number, record in enumerate(records, start=1):
        names = {key.strip().casefold(): value for key, value in record.items()}
        if not all(name in names for name in REQUIRED):
            raise ArchiveRefused(
                _("LinkedIn sent a connection without the archive's columns (row %(row)s).")
                % {"row": number}
            )
        header = {COLUMNS[name]: index for index, name in enumerate(COLUMNS)}
        rows.append(_row(number, header, [names.get(name, "") for name in COLUMNS]))
    return rows


def _too_many(limit: int) -> str:
    return _("More than %(limit)s connections: not one member's file.") % {"limit": f"{limit:,}"}


def _header(reader) -> dict[str, int]:
    """Skip the notes paragraph and blank lines; return each known column's index."""
    for cells in reader:
        names = [cell.strip().removeprefix("\ufeff").casefold() for cell in cells]
        if all(name in names for name in REQUIRED):
            return {COLUMNS[name]: names.index(name) for name in COLUMNS if name in names}
        if reader.line_num > HEADER_SEARCH_ROWS:
            break
    raise ArchiveRefused(
        _(
            "This is not LinkedIn's Connections.csv: no row with First Name, Last Name,"
            " Company and Position was found at its start."
        )
    )


def _row(line: int, header: dict[str, int], cells: list[str]) -> ConnectionRow:
    def cell(field: str) -> str:
        index = header.get(field)
        if index is None or index >= len(cells):
            return ""
        # PostgreSQL cannot store a NUL; nothing a person wrote holds one.
        return cells[index].replace("\x00", "").strip()

    return ConnectionRow(
        line=line,
        first_name=cell("first_name"),
        last_name=cell("last_name"),
        url=profile_url(cell("url")),
        email=cell("email"),
        company=cell("company"),
        title=cell("title"),
        connected_on=connected_on(cell("connected_on")),
    )


def profile_url(value: str) -> str:
    """Return the profile address when it is a web address, else "": it becomes a link on
    the page and a card's URL, where `javascript:` or anything else has no place.
    """
    if re.fullmatch(r"https?://[^\s<>\"']+", value, flags=re.IGNORECASE):
        return value
    return ""


def connected_on(value: str) -> date | None:
    """Return the date of `06 Dec 2026` (or `2026-12-06`), None when it is not one."""
    if found := _DATE.fullmatch(value):
        day, month, year = found.groups()
        month_number = _MONTHS.get(month.casefold())
        if month_number is None:
            return None
        return _date(int(year), month_number, int(day))
    if found := _ISO_DATE.fullmatch(value):
        return _date(*map(int, found.groups()))
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None  # 31 Feb: a date that is not one is left out, not guessed
