"""How the tests read what the app serves: a download's bytes, its CSV rows, its vCard text."""

from __future__ import annotations

import csv
import io

import vobject
from django.test import Client

GOOGLE_HEADER = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name",
    "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname", "File As",
    "Organization Name", "Organization Title", "Organization Department", "Birthday", "Notes",
    "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label",
    "Phone 1 - Value", "Website 1 - Label", "Website 1 - Value",
]  # fmt: skip
OUTLOOK_HEADER = [
    "First Name", "Middle Name", "Last Name", "E-mail Address", "E-mail 2 Address",
    "E-mail 3 Address", "Mobile Phone", "Other Phone", "Notes", "Company", "Job Title",
    "Web Page",
]  # fmt: skip


def download(client: Client, detail_url: str, key: str, **params) -> tuple[bytes, object]:
    """Download format `key` of the export at `detail_url`; return its whole body and response."""
    response = client.get(f"{detail_url}download/{key}/", params)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content), response


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def parse_cards(body: bytes) -> list:
    return list(vobject.readComponents(body.decode("utf-8")))


def as_vcard_text(value: str) -> str:
    """vCard has one kind of line break: every CR, LF or CRLF comes back as LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")
