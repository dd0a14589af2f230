"""What every writer shares: the contact they write, byte chunks and CSV.

Writers are generators of byte chunks (about 64 KB each, the first after a few rows) from an
iterator, so a download of any size streams with flat memory (`StreamingHttpResponse`).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from exports.downloads.formulas import neutralise_row

CHUNK_BYTES = 64 * 1024
# Pieces or rows of the first chunk, sent as soon as they are written: a browser starts the
# download at once, not after the first 64 KB (a thousand rows, beyond the first read).
FIRST_CHUNK_ITEMS = 64
# Rows written by one `csv.writer.writerows` call: the C writer then does the looping.
CSV_ROWS_PER_CALL = 256
UTF8_BOM = "\ufeff"
# English month names whatever the machine's locale (strftime's %b follows it).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Phone:
    as_sent: str
    international: str = ""

    @property
    def best(self) -> str:
        """The form importers should get: international when there is one."""
        return self.international or self.as_sent


@dataclass(frozen=True, slots=True)
class Person:
    """One entry of a download: a contact, or with `merged` everyone listed as one person.

    A single contact has at most one e-mail and one phone; a merged person has every
    distinct one of its contacts, and the names other than the first in `other_names`.
    """

    name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[Phone, ...] = ()
    other_names: tuple[str, ...] = ()
    uid: str = ""
    # Who they are, from the member's LinkedIn data archive (enrichment/); blank without one.
    company: str = ""
    title: str = ""
    url: str = ""
    connected_on: date | None = None

    @property
    def connection_note(self) -> str:
        """The connection date as a note ("Connected on LinkedIn on 6 Dec 2026"), or ""."""
        return connection_note(self.connected_on)


def connection_note(day: date | None) -> str:
    """The connection date `day` as a note ("Connected on LinkedIn on 6 Dec 2026"), or ""."""
    if day is None:
        return ""
    return f"Connected on LinkedIn on {day.day} {_MONTHS[day.month - 1]} {day.year}"


def chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    """Join `pieces` of text into UTF-8 chunks of about `CHUNK_BYTES`."""
    pieces = iter(pieces)
    if first := list(itertools.islice(pieces, FIRST_CHUNK_ITEMS)):
        yield "".join(first).encode()
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield "".join(batch).encode()
            batch, size = [], 0
    if batch:
        yield "".join(batch).encode()


def csv_chunks(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    byte_order_mark: bool = False,
    neutralised: bool = False,
) -> Iterator[bytes]:
    """Yield RFC 4180 CSV (CRLF, quotes only where needed) with every cell neutralised
    (`formulas.neutralise_row`), in UTF-8 chunks of about `CHUNK_BYTES`.

    With `neutralised`, the writer has put the cells of each row through
    `formulas.neutralise_row` itself: a format of many columns that are always empty checks
    only the cells with content, and then fills in the empty ones.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the default dialect is RFC 4180's, QUOTE_MINIMAL
    if byte_order_mark:
        buffer.write(UTF8_BOM)
    writer.writerow(neutralise_row(header))
    rows = iter(rows)
    size = FIRST_CHUNK_ITEMS
    while batch := list(itertools.islice(rows, size)):
        writer.writerows(batch if neutralised else map(neutralise_row, batch))
        if buffer.tell() >= CHUNK_BYTES or size == FIRST_CHUNK_ITEMS:
            size = CSV_ROWS_PER_CALL
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
