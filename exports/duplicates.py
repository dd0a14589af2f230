"""Who is listed more than once in one address book: found while it is read, counted,
paged, and brought together for the merged downloads.

Who is one person is `same_person`'s rule (the same e-mail, or the same phone and a
matching name); contacts that only share a phone are listed beside each other on the
duplicates page, said to share it, and never merged. Each contact's person group and
listing are labelled with the position of their first contact. The groups are known
before the first contact is stored, so each row is written once, with its group, its
listing's rule and its place on the duplicates page: grouping the stored rows afterwards
cost an UPDATE of every duplicate, on PostgreSQL a new row version in every index.

The keys are compared by their keyed fingerprints (exports/matching.py), which ingest
computes anyway: 8 bytes a contact each instead of the text. Two different keys of one
book share a 63-bit fingerprint with odds of about one in 10^8 at 250,000 contacts.

How a person's contacts become one entry of a file (names, e-mails, phones, vCard UID) is
the downloads' part (`exports.downloads.people`).
"""

from __future__ import annotations

import itertools
import operator
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from exports import same_person
from exports.models import Contact, ExportTask
from exports.pagination import KnownCountPaginator
from exports.selectors.contacts import contacts_shown
from exports.selectors.in_order import PersonRow, as_rows, position_ranges, streamed

NOT_LISTED_TWICE = -1

# A key held by more contacts than this is a shared line (an office switchboard, info@),
# not evidence that they are one person: it joins nobody. Grouped through any shared key,
# a large generated book chained most of its contacts into one "person", and the merged
# downloads wrote them as one vCard. A family or a small team sharing a landline stays
# under it.
DUPLICATE_KEY_MAX_SHARED = same_person.MAX_SHARED


class DuplicateKeys:
    """Each contact's e-mail, phone, and phone-and-name keys (0 for none), in position order."""

    def __init__(self) -> None:
        self._emails = array("q")
        self._phones = array("q")
        self._pairs = array("q")

    def add(self, *, email: int, phone: int, name: str) -> None:
        """Keep the keys of the next contact: `email` of its e-mail key, `phone` of its
        international phone (0 for a number that does not parse: it is not compared), and
        its name as `same_person` compares names.
        """
        self._emails.append(email)
        self._phones.append(phone)
        name_key = same_person.person_name_key(name)
        # One number for the phone and the name together, compared within this book only
        # (Python's hash of a str is per process: never stored).
        self._pairs.append(hash((phone, name_key)) if phone and name_key else 0)

    def groups(self) -> same_person.Grouping:
        """Group the contacts by `same_person`'s rule: each position's person, shared
        phone and listing on the duplicates page, as arrays of 4 bytes a contact.
        """
        grouping = same_person.group_keys(
            emails=self._emails, phones=self._phones, pairs=self._pairs
        )
        del self._emails, self._phones, self._pairs
        return grouping


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


def duplicates_page(*, task: ExportTask, page_number: str | int | None, per_page: int) -> Page:
    """Return a page of the contacts listed more than once, listing by listing."""
    contacts = contacts_shown(Contact.objects.filter(task=task, duplicate_rank__isnull=False))
    paginator = _DuplicatesPaginator(contacts, per_page, count=task.duplicate_listed_count)
    return paginator.get_page(page_number)


@dataclass(frozen=True)
class Listing:
    """One listing of the duplicates page: why its contacts are listed together, and
    them, each with the mark of the person it is when the listing is not one person."""

    one_person: bool
    reason: str
    contacts: list[tuple[Contact, str]]


def page_listings(page: Page) -> list[Listing]:
    """The listings of a page of `duplicates_page`, in its order."""
    listings = []
    for _, listed in itertools.groupby(page.object_list, key=lambda c: c.duplicate_listing):
        contacts = list(listed)
        rule = contacts[0].duplicate_rule
        if rule is None:  # a book stored before the rule: its groups, no rule known
            listings.append(Listing(True, str(_BEFORE_THE_RULE), [(c, "") for c in contacts]))
        elif rule:
            reason = str(_ONE_PERSON[same_person.Rule(rule)])
            listings.append(Listing(True, reason, [(c, "") for c in contacts]))
        else:
            marked = _marked(contacts)
            reason = str(_SHARED_PHONE_MARKED if any(mark for _, mark in marked) else _SHARED_PHONE)
            listings.append(Listing(False, reason, marked))
    return listings


# Whole sentences (`same_person.RULE_TEXT` and `SHARED_PHONE_TEXT` say the same in English),
# so a translation never joins fragments.
_BEFORE_THE_RULE = gettext_lazy("The same e-mail address or phone number.")
_ONE_PERSON = {
    same_person.Rule.SAME_EMAIL: gettext_lazy("One person: the same e-mail address."),
    same_person.Rule.SAME_PHONE_AND_NAME: gettext_lazy(
        "One person: the same phone number and name."
    ),
    same_person.Rule.SAME_EMAIL | same_person.Rule.SAME_PHONE_AND_NAME: gettext_lazy(
        "One person: the same e-mail address, phone number and name."
    ),
}
_SHARED_PHONE = gettext_lazy(
    "Not the same person: they share a phone number (perhaps an office or a family line) but "
    "not a name."
)
_SHARED_PHONE_MARKED = gettext_lazy(
    "Not the same person: they share a phone number (perhaps an office or a family line) but "
    "not a name. Entries with the same letter are one person."
)


def _marked(contacts: list[Contact]) -> list[tuple[Contact, str]]:
    """Each contact with its person's letter (A, B...), "" for one listed once."""
    letters: dict[int, str] = {}
    marked = []
    for contact in contacts:
        mark = ""
        if contact.duplicate_group is not None:
            mark = letters.setdefault(contact.duplicate_group, _letter(len(letters)))
        marked.append((contact, mark))
    return marked


def _letter(number: int) -> str:
    return chr(ord("A") + number % 26) + (str(number // 26) if number >= 26 else "")


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

    The book is walked in LinkedIn's order, its contacts listed once and each group's first
    contact only; a group's first contact brings the rest of its group, read for a batch's
    groups at once on the duplicates index, so nothing sorts the book and no contact is
    read twice. A search may leave out a group's first contact, so a search's matches are
    sorted by group instead.
    """
    return _matches_by_group(contacts) if searched else _persons_in_order(contacts)


def _matches_by_group(contacts: QuerySet[Contact]) -> Iterator[list[PersonRow]]:
    person_order = Coalesce("duplicate_group", "position")
    rows = streamed(contacts.order_by(person_order, "position"), PersonRow)
    for _, group in itertools.groupby(rows, key=_person_of_row):
        yield list(group)


def _persons_in_order(contacts: QuerySet[Contact]) -> Iterator[list[PersonRow]]:
    persons = contacts.filter(Q(duplicate_group__isnull=True) | Q(duplicate_group=F("position")))
    for first, last in position_ranges(contacts):
        # A range of positions, not "the next n after": PostgreSQL, misjudging how many rows
        # the filter leaves (before its statistics of a new book), sorted the whole book
        # for every batch of the next n.
        in_range = persons.filter(position__range=(first, last)).order_by("position")
        batch = list(as_rows(in_range, PersonRow))
        grouped = any(row.duplicate_group is not None for row in batch)
        others = _others_in_groups(contacts, first, last) if grouped else {}
        for row in batch:
            if row.duplicate_group is None:
                yield [row]
            else:
                yield [row, *others.get(row.duplicate_group, ())]


def _others_in_groups(contacts: QuerySet[Contact], first: int, last: int) -> dict[int, list]:
    """The contacts other than the first of each group whose first contact is at a
    position from `first` to `last`, by group, in their order."""
    # Those groups are the ones whose group number is in that range: a range of the
    # duplicates index, where a list of the firsts made PostgreSQL walk all of the book's
    # groups.
    rest = (
        contacts.filter(duplicate_group__range=(first, last))
        .exclude(position=F("duplicate_group"))
        .order_by("duplicate_group", "position")
    )
    grouped = itertools.groupby(as_rows(rest, PersonRow), key=_GROUP)
    return {group: list(rows) for group, rows in grouped}


_GROUP = operator.attrgetter("duplicate_group")


def _person_of_row(row: PersonRow) -> object:
    # A contact listed once is a person of its own: a unique object never equals another.
    return row.duplicate_group if row.duplicate_group is not None else object()
