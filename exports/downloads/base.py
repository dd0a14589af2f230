"""What every writer shares: the contact they write, byte chunks and CSV.

Writers are generators of byte chunks (about 64 KB each) from an iterator, so a download
of any size streams with flat memory (`StreamingHttpResponse`).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from exports.downloads.formulas import neutralise

CHUNK_BYTES = 64 * 1024
UTF8_BOM = "\ufeff"


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


def chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    """Join `pieces` of text into UTF-8 chunks of about `CHUNK_BYTES`."""
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
    header: Sequence[str], rows: Iterable[Sequence[str]], *, byte_order_mark: bool = False
) -> Iterator[bytes]:
    """Yield RFC 4180 CSV (CRLF, quotes only where needed) with every cell `neutralise`d."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the default dialect is RFC 4180's, QUOTE_MINIMAL

    def lines() -> Iterator[str]:
        if byte_order_mark:
            yield UTF8_BOM
        for cells in itertools.chain([header], rows):
            writer.writerow([neutralise(cell) for cell in cells])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return chunks(lines())
