"""Files for the enrichment's tests: Connections.csv as LinkedIn writes it, and ZIPs of it."""

from __future__ import annotations

import csv
import io
import zipfile

from enrichment.services.connections_csv import ConnectionRow, connection_rows
from linkedin_sandbox.data_archive import HEADER, NOTES

BOM = "\ufeff"


def connections_text(rows: list[list[str]], *, notes: bool = True, bom: bool = True) -> str:
    out = io.StringIO()
    out.write((BOM if bom else "") + (NOTES if notes else ""))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def connection(first: str, last: str, *, email: str = "", url: str = "", company: str = "Acme",
               title: str = "Engineer", on: str = "06 Dec 2026") -> list[str]:  # fmt: skip
    return [first, last, url, email, company, title, on]


def rows_of(*rows: list[str]) -> list[ConnectionRow]:
    return connection_rows(connections_text(list(rows)))


def zipped(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
