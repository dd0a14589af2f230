"""Plain CSV: one row per contact, the phone as LinkedIn sent it and in international form."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from exports.downloads.base import csv_chunks

if TYPE_CHECKING:
    from exports.selectors.in_order import ContactRow

LABEL = gettext_lazy("CSV")
HINT = gettext_lazy("For a CRM, a database or any program that reads CSV (UTF-8).")
SOURCE = "rows"
MERGES = False
CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_SUFFIX = ".csv"
HEADER = ("Name", "Email Address", "Phone Number", "Phone Number (International)")
BYTE_ORDER_MARK = False


def write(rows: Iterable[ContactRow]) -> Iterator[bytes]:
    return csv_chunks(HEADER, rows, byte_order_mark=BYTE_ORDER_MARK)
