"""Writing DAV answers: multistatus bodies (RFC 4918 13) as a stream of byte chunks, and
the error bodies of refused requests. Every text goes through `escape`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from carddav.davxml import CALENDARSERVER, CARDDAV, DAV, Name

PREFIXES = {DAV: "d", CARDDAV: "card", CALENDARSERVER: "cs"}
DECLARATIONS = " ".join(f'xmlns:{prefix}="{ns}"' for ns, prefix in PREFIXES.items())
HEAD = f'<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus {DECLARATIONS}>\n'
CONTENT_TYPE = "application/xml; charset=utf-8"
CHUNK_CHARACTERS = 64 * 1024
# Responses of the first chunk, sent as soon as they are written: a client starts reading
# a listing of any size at once.
FIRST_CHUNK_RESPONSES = 16
OK = "HTTP/1.1 200 OK"
NOT_FOUND = "HTTP/1.1 404 Not Found"
FORBIDDEN = "HTTP/1.1 403 Forbidden"


def element(name: Name, content: str = "") -> str:
    """Return `name` as an element around `content` (already XML), empty when there is none."""
    opening, closing = _tags(name)
    if not content:
        return f"<{opening}/>"
    return f"<{opening}>{content}</{closing}>"


@functools.cache
def _tags(name: Name) -> tuple[str, str]:
    namespace, local = name
    prefix = PREFIXES.get(namespace)
    if prefix is not None:
        return f"{prefix}:{local}", f"{prefix}:{local}"
    if not namespace:
        return local, local
    # A property of a namespace nobody declared (one a client asked about).
    return f"x:{local} xmlns:x={quoteattr(namespace)}", f"x:{local}"


def text(value: str) -> str:
    return escape(value)


def href(value: str) -> str:
    return element((DAV, "href"), escape(value))


def response(path: str, found: Iterable[tuple[Name, str]], missing: Iterable[Name] = ()) -> str:
    """Return one `response`: the properties found (name, value as XML) with 200, the ones
    the resource does not have with 404 (never a failure of the whole request).
    """
    parts = [href(path)]
    found = "".join(element(name, value) for name, value in found)
    if found:
        parts.append(_propstat(found, OK))
    missing = "".join(element(name) for name in missing)
    if missing:
        parts.append(_propstat(missing, NOT_FOUND))
    return element((DAV, "response"), "".join(parts)) + "\n"


def status_response(path: str, status: str) -> str:
    """Return a `response` with a status and no properties (a removed or unknown href)."""
    return element((DAV, "response"), href(path) + element((DAV, "status"), status)) + "\n"


def _propstat(props: str, status: str) -> str:
    return element(
        (DAV, "propstat"), element((DAV, "prop"), props) + element((DAV, "status"), status)
    )


def stream(responses: Iterable[str], *, sync_token: str | None = None) -> Iterator[bytes]:
    """Yield a multistatus of `responses` in UTF-8 chunks: the first after a few responses,
    then about `CHUNK_CHARACTERS` each, so memory stays flat whatever the count.
    """
    batch, size, first = [HEAD], len(HEAD), True
    for count, piece in enumerate(responses, start=1):
        batch.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARACTERS or (first and count == FIRST_CHUNK_RESPONSES):
            yield "".join(batch).encode()
            batch, size, first = [], 0, False
    if sync_token is not None:
        batch.append(element((DAV, "sync-token"), escape(sync_token)) + "\n")
    batch.append("</d:multistatus>\n")
    yield "".join(batch).encode()


def error(condition: Name, content: str = "") -> bytes:
    """Return a `DAV:error` body naming the precondition that failed (RFC 4918 16)."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<d:error {DECLARATIONS}>'
        f"{element(condition, content)}</d:error>\n"
    ).encode()
