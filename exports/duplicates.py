"""Who is listed more than once in one address book: found while it is read, counted,
paged, and brought together for the merged downloads.

Contacts that share a normalised e-mail or an international phone, directly or through
others, are one group, labelled with the position of its first contact; a key shared by
more than `DUPLICATE_KEY_MAX_SHARED` contacts is a shared line and joins nobody. The
groups are known before the first contact is stored, so each row is written once, with
its group and its place on the duplicates page: grouping the stored rows afterwards cost
an UPDATE of every duplicate, on PostgreSQL a new row version in every index.

The keys are compared by their keyed fingerprints (exports/matching.py), which ingest
computes anyway: 8 bytes a contact each instead of the text. Two different keys of one
book share a 63-bit fingerprint with odds of about one in 10^8 at 250,000 contacts.

How a person's contacts become one entry of a file (names, e-mails, phones, vCard UID) is
the downloads' part (`exports.downloads.people`).
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable, Iterator

from django.core.paginator import Page
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from exports.models import Contact, ExportTask
from exports.pagination import KnownCountPaginator
from exports.selectors.contacts import contacts_shown
from exports.selectors.in_order import PersonRow, as_rows, batched, by_position, streamed

NOT_LISTED_TWICE = -1

# A key held by more contacts than this is a shared line (an office switchboard, info@),
# not evidence that they are one person: it joins nobody. Grouped through any shared key,
# a large generated book chained most of its contacts into one "person", and the merged
# downloads wrote them as one vCard. A family or a small team sharing a landline stays
# under it.
DUPLICATE_KEY_MAX_SHARED = 10


class DuplicateKeys:
    """Each contact's e-mail and phone fingerprints (0 for none), in position order."""

    def __init__(self) -> None:
        self._emails = array("q")
        self._phones = array("q")

    def add(self, *, email: int, phone: int) -> None:
        """Keep the keys of the next contact: `email` of its e-mail key, `phone` of its
        international phone (0 for a number that does not parse: it is not compared).
        """
        self._emails.append(email)
        self._phones.append(phone)

    def groups(self) -> array:
        """Return each position's group: the position of the group's first contact, or
        `NOT_LISTED_TWICE` for a contact listed once.

        An array, 4 bytes a contact: in a book where half the contacts are listed twice,
        a dict of them cost more than the book's JSON. Memory otherwise grows with the
        distinct keys while they are counted, then with the shared ones only.
        """
        shared_emails, shared_phones = _shared(self._emails), _shared(self._phones)
        parent = array("i", [NOT_LISTED_TWICE]) * len(self._emails)

        def root(position: int) -> int:
            while parent[position] != position:
                parent[position] = parent[parent[position]]  # halve the path as we go
                position = parent[position]
            return position

        # E-mails and phones are looked up apart, so an e-mail never meets a phone.
        shared = (shared_emails, shared_phones)
        first_with: tuple[dict[int, int], dict[int, int]] = ({}, {})
        for position, (email, phone) in enumerate(zip(self._emails, self._phones, strict=True)):
            if email not in shared_emails and phone not in shared_phones:
                continue
            parent[position] = position
            for key, first, joining in zip((email, phone), first_with, shared, strict=True):
                if key not in joining:  # held once, or a shared line
                    continue
                other = first.setdefault(key, position)
                # Positions come in order, so the smaller root labels the group.
                low, high = sorted((root(position), root(other)))
                parent[high] = low
        del first_with, shared, shared_emails, shared_phones
        for position, label in enumerate(parent):
            if label != NOT_LISTED_TWICE:
                parent[position] = root(position)  # a root is its own parent: safe in place
        return parent


def duplicate_ranks(groups: array) -> array:
    """Return each position's place among the contacts listed twice, 1..n in the order of
    the duplicates page (by group, then position), or `NOT_LISTED_TWICE`.

    Stored with each row, so any page of duplicates is a range on an index instead of an
    OFFSET (which reads every row before the page). A counting sort: labels are positions,
    so each group's first rank is the running total of the groups labelled before it;
    4 bytes a contact, and no list of the groups.
    """
    first_rank = array("i", [0]) * len(groups)
    for label in groups:
        if label != NOT_LISTED_TWICE:
            first_rank[label] += 1  # the group's size, for now
    total = 1
    for label, size in enumerate(first_rank):
        if size:
            first_rank[label], total = total, total + size
    ranks = array("i", [NOT_LISTED_TWICE]) * len(groups)
    for position, label in enumerate(groups):
        if label != NOT_LISTED_TWICE:
            ranks[position] = first_rank[label]
            first_rank[label] += 1  # positions come in order within the group
    return ranks


def duplicate_count(groups: array) -> int:
    """Return how many contacts are listed more than once (the duplicates page's count)."""
    return len(groups) - groups.count(NOT_LISTED_TWICE)


def _shared(keys: Iterable[int]) -> set[int]:
    """Return the keys (0 aside) held by more than one contact and at most
    `DUPLICATE_KEY_MAX_SHARED`.
    """
    seen: set[int] = set()
    holders: dict[int, int] = {}  # the keys seen again, with how many hold them
    for key in keys:
        if key in seen:
            holders[key] = holders.get(key, 1) + 1
        else:
            seen.add(key)
    del seen
    holders.pop(0, None)
    return {key for key, count in holders.items() if count <= DUPLICATE_KEY_MAX_SHARED}


def duplicates_page(*, task: ExportTask, page_number: str | int | None, per_page: int) -> Page:
    """Return a page of the contacts listed more than once, grouped person by person."""
    contacts = contacts_shown(Contact.objects.filter(task=task, duplicate_rank__isnull=False))
    paginator = _DuplicatesPaginator(contacts, per_page, count=task.duplicate_count)
    return paginator.get_page(page_number)


class _DuplicatesPaginator(KnownCountPaginator):
    """Pages of the duplicates, each fetched as a range of the ranks stored at ingest, and
    counted at ingest too: no OFFSET, no count per page (most of a book can be listed twice).
    """

    def window(self, start: int, stop: int) -> list[Contact]:
        ranks = Q(duplicate_rank__gt=start, duplicate_rank__lte=stop)  # ranks start at 1
        return list(self.object_list.filter(ranks).order_by("duplicate_rank"))


def person_groups(contacts: QuerySet[Contact], *, searched: bool) -> Iterator[list[PersonRow]]:
    """Yield the rows of each person among `contacts` (one task's): a contact listed once
    alone, the contacts of a duplicate group together, in the order of each person's
    first contact.

    The whole book is walked in LinkedIn's order; a group's first contact brings the rest
    of its group, read for a batch's groups at once on the duplicates index, so nothing
    sorts the book. A search may leave out a group's first contact, so a search's matches
    are sorted by group instead.
    """
    if searched:
        person_order = Coalesce("duplicate_group", "position")
        rows = streamed(contacts.order_by(person_order, "position"), PersonRow)
        for _, group in itertools.groupby(rows, key=_person_of_row):
            yield list(group)
        return
    for batch in batched(by_position(contacts, PersonRow)):
        firsts = [row.position for row in batch if row.duplicate_group == row.position]
        others: dict[int, list[PersonRow]] = {first: [] for first in firsts}
        if firsts:
            rest = (
                contacts.filter(duplicate_group__in=firsts)
                .exclude(position=F("duplicate_group"))
                .order_by("duplicate_group", "position")
            )
            for row in as_rows(rest, PersonRow):
                others[row.duplicate_group].append(row)
        for row in batch:
            if row.duplicate_group is None:
                yield [row]
            elif row.duplicate_group == row.position:
                yield [row, *others[row.duplicate_group]]
            # Else listed with its group's first contact, already written.


def _person_of_row(row: PersonRow) -> object:
    # A contact listed once is a person of its own: a unique object never equals another.
    return row.duplicate_group if row.duplicate_group is not None else object()
