"""Who is who between a member's connections and their address book: the join's rules.

A connection is joined to a contact by, in this order:
1. its e-mail (case-folded, `matching.email_key`), when no other connection has it; every
   contact with that e-mail gets it (the book's duplicates of one person);
2. its profile URL, when exactly one contact of the book holds it (a book joined before
   holds the URLs of its connections: a newer archive then finds them whatever their name
   has become) and no other connection has it;
3. its full name (`matching.name_key`: NFKC, case-folded, spaces collapsed — accents are
   kept, "Jose" is not "José"), only when exactly one contact of the book and exactly one
   connection have that name, and they do not hold two different e-mails.
A contact takes at most one connection. Anything else is not joined: two people are never
merged on a guess; such connections are kept as their own entries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from enrichment.models import MatchedBy
from enrichment.services.connections_csv import ConnectionRow
from exports.matching import email_key, name_key


class BookEntry(NamedTuple):
    """What the join reads of one contact of the book."""

    position: int
    email_key: str
    name: str
    profile_url: str


class Joined(NamedTuple):
    """One connection's outcome: the contacts' positions it was joined to, and by what."""

    positions: tuple[int, ...]
    matched_by: str


@dataclass
class JoinResult:
    joined: list[Joined]  # one per connection, in the file's order
    counts: Counter = field(default_factory=Counter)  # by MatchedBy value, and "ambiguous"


def join(connections: Sequence[ConnectionRow], book: Iterable[BookEntry]) -> JoinResult:
    """Join each connection to the book by the rules of the module's docstring."""
    by_email: dict[str, list[int]] = defaultdict(list)
    by_url: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    email_of: dict[int, str] = {}
    for entry in book:
        if entry.email_key:
            by_email[entry.email_key].append(entry.position)
            email_of[entry.position] = entry.email_key
        if entry.profile_url:
            by_url[url_key(entry.profile_url)].append(entry.position)
        if key := name_key(entry.name):
            by_name[key].append(entry.position)
    emails = Counter(email_key(row.email) for row in connections if row.email)
    urls = Counter(url_key(row.url) for row in connections if row.url)
    names = Counter(name_key(row.full_name) for row in connections if row.full_name)

    taken: set[int] = set()
    joined: list[Joined | None] = [None] * len(connections)
    result = JoinResult(joined=[])
    # E-mail first for every connection, so a name never takes a contact an e-mail names.
    for index, row in enumerate(connections):
        key = email_key(row.email)
        if key and emails[key] == 1 and (positions := by_email.get(key)):
            joined[index] = Joined(tuple(positions), MatchedBy.EMAIL)
            taken.update(positions)
    for index, row in enumerate(connections):
        if joined[index] is not None:
            continue
        joined[index] = _by_url_or_name(row, by_url, urls, by_name, names, email_of, taken)
        if joined[index].matched_by:
            taken.update(joined[index].positions)
        elif _ambiguous(row, by_name, names):
            result.counts["ambiguous"] += 1
    result.joined = [outcome or Joined((), MatchedBy.NONE) for outcome in joined]
    result.counts.update(outcome.matched_by for outcome in result.joined)
    return result


def _by_url_or_name(row, by_url, urls, by_name, names, email_of, taken) -> Joined:
    key = url_key(row.url)
    found = by_url.get(key, ()) if key else ()
    if len(found) == 1 and urls[key] == 1 and found[0] not in taken:
        return Joined((found[0],), MatchedBy.URL)
    key = name_key(row.full_name)
    if key and names[key] == 1 and len(found := by_name.get(key, ())) == 1:
        position = found[0]
        theirs, ours = email_key(row.email), email_of.get(position, "")
        if position not in taken and not (theirs and ours and theirs != ours):
            return Joined((position,), MatchedBy.NAME)
    return Joined((), MatchedBy.NONE)


def _ambiguous(row: ConnectionRow, by_name, names) -> bool:
    """True when the connection's name is shared: by contacts, or by connections."""
    key = name_key(row.full_name)
    return bool(key) and (names[key] > 1 or len(by_name.get(key, ())) > 1)


def url_key(url: str) -> str:
    """Return the profile address as compared: no scheme, `www.`, query or final slash."""
    url = url.strip().casefold().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    for prefix in ("https://", "http://"):
        url = url.removeprefix(prefix)
    return url.removeprefix("www.")
