"""Reading what a DAV client sends: XML parsed by defusedxml, never by the bare parser.

A DTD, an entity (billion laughs) or an external reference is refused outright, as are
bodies over `MAX_BODY_BYTES`; each is a `BadRequest`, answered 400. A multiget of a whole
book (vdirsyncer asks for every card it lacks in one request) is the largest body a client
sends: about 80 bytes an href, so the cap allows some 400,000 hrefs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

DAV = "DAV:"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALENDARSERVER = "http://calendarserver.org/ns/"
MAX_BODY_BYTES = 32 * 1024 * 1024

Name = tuple[str, str]  # (namespace, local name), as ElementTree's "{ns}local"


class BadRequest(Exception):
    """The body cannot be read as the DAV request it should be."""


def name_of(element: Element) -> Name:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", str(tag)


def tag(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def read_body(stream: IO[bytes], content_length: int | None) -> bytes:
    """Return the body, refusing one over `MAX_BODY_BYTES` before reading it if it says so."""
    if content_length is not None and content_length > MAX_BODY_BYTES:
        raise BadRequest("The request body is too large.")
    body = stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest("The request body is too large.")
    return body


def parse(body: bytes) -> Element | None:
    """Return the document's root element, None for an empty body."""
    if not body.strip():
        return None
    try:
        return fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise BadRequest(f"The request body is not acceptable XML: {error}") from None


@dataclass
class Propfind:
    """What a PROPFIND (or a report's `prop`) asks for: some properties, all, or names."""

    names: list[Name] = field(default_factory=list)
    all_properties: bool = False
    names_only: bool = False


def propfind(root: Element | None) -> Propfind:
    """Read a `propfind` body; an empty one asks for all properties (RFC 4918 9.1)."""
    if root is None:
        return Propfind(all_properties=True)
    if name_of(root) != (DAV, "propfind"):
        raise BadRequest("A PROPFIND body is a DAV:propfind element.")
    return requested(root)


def requested(parent: Element) -> Propfind:
    """Read the `prop`, `allprop` or `propname` child of `parent`."""
    for child in parent:
        kind = name_of(child)
        if kind == (DAV, "prop"):
            return Propfind(names=[name_of(element) for element in child])
        if kind == (DAV, "allprop"):
            return Propfind(all_properties=True)
        if kind == (DAV, "propname"):
            return Propfind(names_only=True)
    return Propfind(all_properties=True)


def report_hrefs(body: bytes) -> tuple[Propfind, list[str]]:
    """Read an `addressbook-multiget` body incrementally: its `prop` and its hrefs.

    Element by element, each dropped once read, so a whole book's hrefs cost their text
    only, not a tree of them.
    """
    props = Propfind(all_properties=True)
    hrefs: list[str] = []
    depth = 0
    root_name: Name | None = None
    try:
        for event, element in iterparse(io.BytesIO(body), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 1:
                    root_name = name_of(element)
                continue
            level, depth = depth, depth - 1
            if level != 2:
                continue  # the root, or inside a child: read with that child
            if name_of(element) == (DAV, "href"):
                hrefs.append((element.text or "").strip())
            elif name_of(element) == (DAV, "prop"):
                props = Propfind(names=[name_of(child) for child in element])
            element.clear()
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise BadRequest(f"The request body is not acceptable XML: {error}") from None
    if root_name != (CARDDAV, "addressbook-multiget"):
        raise BadRequest("Not an addressbook-multiget.")
    return props, hrefs


def report_name(body: bytes) -> Name:
    """Return the name of the report's root element, reading no further than it."""
    try:
        for _, element in iterparse(io.BytesIO(body), events=("start",), forbid_dtd=True):
            return name_of(element)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise BadRequest(f"The request body is not acceptable XML: {error}") from None
    raise BadRequest("A REPORT needs a body.")
