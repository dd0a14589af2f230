"""Reading the bodies of the two reports that carry more than hrefs: `addressbook-query`
(RFC 6352 8.6, 10.5) and `sync-collection` (RFC 6578 3.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from carddav.cards import FILTERABLE, TextMatch
from carddav.davxml import CARDDAV, DAV, BadRequest, Propfind, name_of, requested, tag

MATCH_TYPES = frozenset({"equals", "contains", "starts-with", "ends-with"})
# The collations of RFC 6352 8.3; both are matched without regard to case.
COLLATIONS = frozenset({"i;unicode-casemap", "i;ascii-casemap"})


class UnsupportedFilter(Exception):
    """A filter this server does not evaluate (403 with CARDDAV:supported-filter)."""


@dataclass(frozen=True)
class Query:
    asked: Propfind
    # One list per prop-filter, any of whose text-matches will do (RFC 6352 10.5.1).
    matches: list[list[TextMatch]]
    all_of: bool
    limit: int | None


@dataclass(frozen=True)
class Sync:
    asked: Propfind
    token: str


def addressbook_query(root: Element | None) -> Query:
    if root is None or name_of(root) != (CARDDAV, "addressbook-query"):
        raise BadRequest("Not an addressbook-query.")
    found = root.find(tag(CARDDAV, "filter"))
    matches: list[list[TextMatch]] = []
    all_of = False
    if found is not None:
        all_of = found.get("test", "anyof") == "allof"
        for prop_filter in found:
            if name_of(prop_filter) != (CARDDAV, "prop-filter"):
                raise UnsupportedFilter("Only prop-filter elements are understood.")
            matches.append(_text_matches(prop_filter))
    return Query(asked=requested(root), matches=matches, all_of=all_of, limit=_limit(root))


def _text_matches(prop_filter: Element) -> list[TextMatch]:
    prop = (prop_filter.get("name") or "").upper()
    if prop not in FILTERABLE:
        raise UnsupportedFilter(f"Filtering on {prop or 'no property'} is not supported.")
    if prop_filter.get("test", "anyof") == "allof" and len(prop_filter) > 1:
        raise UnsupportedFilter("Several text-match elements must be any of them.")
    matches = []
    for child in prop_filter:
        if name_of(child) != (CARDDAV, "text-match"):
            raise UnsupportedFilter("Only text-match is understood inside a prop-filter.")
        match_type = child.get("match-type", "contains")
        collation = child.get("collation", "i;unicode-casemap")
        if match_type not in MATCH_TYPES or collation not in COLLATIONS:
            raise UnsupportedFilter(f"{match_type} with {collation} is not supported.")
        matches.append(
            TextMatch(
                prop=prop,
                text=(child.text or "").strip(),
                match_type=match_type,
                negate=child.get("negate-condition", "no") == "yes",
            )
        )
    if not matches:
        raise UnsupportedFilter("A prop-filter needs a text-match here.")
    return matches


def _limit(root: Element) -> int | None:
    found = root.find(f"{tag(CARDDAV, 'limit')}/{tag(CARDDAV, 'nresults')}")
    if found is None:
        return None
    try:
        return max(0, int((found.text or "").strip()))
    except ValueError:
        raise BadRequest("nresults is a number.") from None


def sync_collection(root: Element | None) -> Sync:
    if root is None or name_of(root) != (DAV, "sync-collection"):
        raise BadRequest("Not a sync-collection.")
    level = (root.findtext(tag(DAV, "sync-level")) or "1").strip()
    if level not in ("1", "infinite"):
        raise BadRequest("sync-level is 1 or infinite.")
    return Sync(asked=requested(root), token=(root.findtext(tag(DAV, "sync-token")) or "").strip())
