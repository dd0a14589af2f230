"""The changes since the member's previous export: the new and the changed contacts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from exports.downloads.base import csv_chunks

LABEL = "Changes since the previous export (CSV)"
HINT = "Who is new and who changed e-mail or phone since your previous export."
SOURCE = "changes"
MERGES = False
CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_SUFFIX = "-changes.csv"
HEADER = (
    "Change",
    "Name",
    "Email Address",
    "Phone Number",
    "Phone Number (International)",
    "Previous Email Address",
    "Previous Phone Number",
)


class Change(NamedTuple):
    """A new or changed contact; `previous_*` are "" once the previous export is purged."""

    kind: str
    name: str
    email: str
    phone: str
    phone_international: str
    previous_email: str
    previous_phone: str


def write(changes: Iterable[Change]) -> Iterator[bytes]:
    return csv_chunks(HEADER, changes)
