"""The one module that talks to LinkedIn's Member Data Portability API: the member's
connections from their snapshot (`GET /rest/memberSnapshotData?q=criteria&domain=CONNECTIONS`),
a page at a time.

Each element's `snapshotData` is a list of rows keyed by the archive's column names; the
rows are parsed by the archive's own parser (`connections_csv.connection_records`). Every
failure is one of three exceptions the worker acts on: `SnapshotRateLimited` (wait
`retry_after` seconds), `SnapshotTokenRejected` (the member must consent again), and
`SnapshotUnavailable` (anything else: taken again later).
"""

from __future__ import annotations

import json
import time
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.conf import settings

PATH = "/rest/memberSnapshotData"
DOMAIN = "CONNECTIONS"
# Elements asked for per page; each holds many rows.
PAGE_COUNT = 10
DEFAULT_RETRY_AFTER = 60


class SnapshotError(Exception):
    """A call to the portability API failed."""


class SnapshotRateLimited(SnapshotError):
    def __init__(self, retry_after: int):
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


class SnapshotTokenRejected(SnapshotError):
    """401: the token expired or was revoked; only a fresh consent gives another."""


class SnapshotUnavailable(SnapshotError):
    """LinkedIn did not answer, answered an error, or answered something unreadable."""


class SnapshotPage(NamedTuple):
    records: list[dict[str, str]]  # the rows of every element of the page
    next_start: int | None  # where the next page starts; None after the last


def snapshot_page(*, access_token: str, start: int, count: int = PAGE_COUNT) -> SnapshotPage:
    """Return one page of the member's connections from their snapshot."""
    query = urlencode({"q": "criteria", "domain": DOMAIN, "start": start, "count": count})
    url = f"{settings.LINKEDIN_API_BASE_URL.rstrip('/')}{PATH}?{query}"
    headers = {
        "Authorization": f"Bearer {access_token}",
        "LinkedIn-Version": settings.LINKEDIN_PORTABILITY_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }
    timeout = settings.LINKEDIN_TIMEOUT
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True) as response:
            body = _read_capped(response, deadline=time.monotonic() + timeout * 3)
    except requests.RequestException as error:
        raise SnapshotUnavailable(type(error).__name__) from error
    if response.status_code == 429:
        raise SnapshotRateLimited(_retry_after(response.headers.get("Retry-After", "")))
    if response.status_code == 401:
        raise SnapshotTokenRejected()
    if response.status_code != 200:
        raise SnapshotUnavailable(f"status {response.status_code}")
    return _page(body, start=start)


def _read_capped(response: requests.Response, *, deadline: float) -> bytes:
    limit = settings.LINKEDIN_MAX_RESPONSE_BYTES
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=256 * 1024):
        size += len(chunk)
        if size > limit or time.monotonic() > deadline:
            raise SnapshotUnavailable("too large or too slow")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str) -> int:
    value = value.strip()
    return max(1, min(int(value), 3600)) if value.isdigit() else DEFAULT_RETRY_AFTER


def _page(body: bytes, *, start: int) -> SnapshotPage:
    """The page's rows and next start, checked: anything else is `SnapshotUnavailable`."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise SnapshotUnavailable("not JSON") from error
    elements = data.get("elements") if isinstance(data, dict) else None
    if not isinstance(elements, list):
        raise SnapshotUnavailable("no elements")
    records = []
    for element in elements:
        rows = element.get("snapshotData") if isinstance(element, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise SnapshotUnavailable("an element without snapshotData rows")
        records.extend(
            {str(key): value if isinstance(value, str) else "" for key, value in row.items()}
            for row in rows
        )
    return SnapshotPage(records, _next_start(data.get("paging"), start) if elements else None)


def _next_start(paging: object, start: int) -> int | None:
    links = paging.get("links") if isinstance(paging, dict) else None
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("rel") == "next":
            found = parse_qs(urlsplit(str(link.get("href", ""))).query).get("start", [""])[0]
            if found.isdigit() and int(found) > start:  # never backwards: no endless loop
                return int(found)
    return None
