"""CSV for Excel: the plain CSV with a byte-order mark, without which Windows Excel misreads
UTF-8 names. Meant for spreadsheets only: importers may take the mark for part of a header.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from exports.downloads import csv_plain
from exports.downloads.base import csv_chunks

if TYPE_CHECKING:
    from exports.selectors.in_order import ContactRow

LABEL = gettext_lazy("Spreadsheet (Excel)")
HINT = gettext_lazy("For Excel, Numbers, LibreOffice and other spreadsheets.")
SOURCE = "rows"
MERGES = False
CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_SUFFIX = "-excel.csv"


def write(rows: Iterable[ContactRow]) -> Iterator[bytes]:
    return csv_chunks(csv_plain.HEADER, rows, byte_order_mark=True)
