"""Reads of one book's contacts for its page: search, sort and paging.

Every sort is a rank stored at ingest (`sort_ranks`), so a page of any sort is a range of
ranks on a `(task, rank)` index; a search is found through an index of the folded text
(`search_index`) and counted up to a bound.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import NamedTuple

from django.core.paginator import Page
from django.db.models import Case, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import StrIndex

from exports import search_index
from exports.collation import search_form
from exports.models import Contact, ExportTask
from exports.pagination import KnownCountPaginator


@dataclass(frozen=True)
class ContactSort:
    """One way of ordering a book: by `rank` (a column ranked at ingest), up or down."""

    rank: str
    descending: bool = False
    # The ExportTask field counting contacts with a value, i.e. where the blanks start.
    with_value_count: str = "contact_count"

    def with_value(self, task: ExportTask) -> int:
        return getattr(task, self.with_value_count)

    def shown_at(self, rank: int, with_value: int) -> int:
        """Return where the contact of `rank` is shown: blanks last in both directions."""
        if self.descending and rank < with_value:
            return with_value - 1 - rank
        return rank


# Public sort keys → how. Blanks come last in both directions (see `sort_ranks`).
CONTACT_SORTS: dict[str, ContactSort] = {
    "": ContactSort("position"),
    "name": ContactSort("name_rank", with_value_count="with_name_count"),
    "-name": ContactSort("name_rank", descending=True, with_value_count="with_name_count"),
    "email": ContactSort("email_rank", with_value_count="with_email_count"),
    "-email": ContactSort("email_rank", descending=True, with_value_count="with_email_count"),
    "phone": ContactSort("phone_rank", with_value_count="with_phone_count"),
    "-phone": ContactSort("phone_rank", descending=True, with_value_count="with_phone_count"),
    # From the member's LinkedIn data archive (enrichment/), ranked when it is joined.
    "company": ContactSort("company_rank", with_value_count="with_company_count"),
    "-company": ContactSort("company_rank", descending=True, with_value_count="with_company_count"),
    "title": ContactSort("title_rank", with_value_count="with_title_count"),
    "-title": ContactSort("title_rank", descending=True, with_value_count="with_title_count"),
}
# Sorts ranked only once an archive is joined: before, every rank is 0, and LinkedIn's order
# is the only one they could give.
_RANKED_WHEN_JOINED = {"company_rank": "with_company_count", "title_rank": "with_title_count"}
MAX_QUERY_LENGTH = 200
# Counting every match of a one-letter search reads the whole book; past this many the
# page says "1,000+" and pages stop there (narrow the search to see the rest).
SEARCH_COUNT_LIMIT = 1_000


def contacts_shown(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """Return `contacts` with only what a page shows: LinkedIn's JSON (decoded per row)
    and the search text stay in the database.
    """
    return contacts.defer("raw", "search_text")


def contacts_search(*, task: ExportTask, query: str = "", sort: str = "") -> QuerySet[Contact]:
    """Return the task's contacts whose name, email or phone contains `query`, sorted.

    The query is folded as the stored text was (`collation.search_form`): no case, no
    accents, any Unicode form.
    """
    query = _folded(query)
    if "\x00" in query:
        # No stored contact holds a NUL (ingest drops them), and PostgreSQL refuses one.
        return Contact.objects.none()
    if query:
        candidates = search_index.candidates(task=task, query=query)
        contacts = contacts_shown(candidates.filter(search_text__contains=query))
    else:
        contacts = contacts_shown(Contact.objects.filter(task=task))
    how = _sort_of(task, sort)
    if not how.descending:
        return contacts.order_by(how.rank)
    # Descending with the blanks still last: the contacts with a value from the highest
    # rank down, then the blanks (ranked from k up) in LinkedIn's order.
    last_with_value = how.with_value(task) - 1
    shown_at = Case(
        When(
            **{f"{how.rank}__lte": last_with_value},
            then=ExpressionWrapper(last_with_value - F(how.rank), output_field=IntegerField()),
        ),
        default=F(how.rank),
        output_field=IntegerField(),
    )
    return contacts.order_by(shown_at)


def contacts_page(
    *, task: ExportTask, query: str, sort: str, page_number: str | int | None, per_page: int
) -> Page:
    """Return one page of the task's contacts, searched and sorted.

    Without a search, any page of any sort is a range of ranks on an index, and the count
    is the one stored at ingest. A search counts at most `SEARCH_COUNT_LIMIT` matches.
    """
    how = _sort_of(task, sort)
    if search_form(query.strip()):
        paginator = SearchPaginator(
            _matches_found(task=task, query=query, how=how, limit=SEARCH_COUNT_LIMIT),
            how,
            how.with_value(task),
            per_page,
            limit=SEARCH_COUNT_LIMIT,
            walked=_contacts_holding(task=task, query=query),
        )
        return paginator.get_page(page_number)
    return _RankPaginator(task, how, per_page).get_page(page_number)


def _sort_of(task: ExportTask, sort: str) -> ContactSort:
    how = CONTACT_SORTS.get(sort, CONTACT_SORTS[""])
    joined_count = _RANKED_WHEN_JOINED.get(how.rank)
    if joined_count and not getattr(task, joined_count):
        return CONTACT_SORTS[""]
    return how


def _matches_found(*, task: ExportTask, query: str, how: ContactSort, limit: int) -> list[_Match]:
    """Return the key and rank of up to `limit` + 1 matches of the search: every match, or
    proof that there are more than `limit`. With their ranks, a page of up to `limit`
    matches is sorted without a query.

    From SQLite's trigram index alone where it can tell them (`search_index.matches_ranked`:
    a common term is then counted from the index, not by walking the book); else from the
    contacts of `contacts_search`.
    """
    folded = _folded(query)
    found = None
    if "\x00" not in folded:  # else none match (`contacts_search`)
        found = search_index.matches_ranked(task=task, query=folded, rank=how.rank, limit=limit + 1)
    if found is None:
        matches = contacts_search(task=task, query=query)
        found = matches.order_by().values_list("pk", how.rank)[: limit + 1]
    return list(map(_Match._make, found))


def _folded(query: str) -> str:
    """Return the search as the stored text is folded (`collation.search_form`)."""
    return search_form(query.strip()[:MAX_QUERY_LENGTH])


def _contacts_holding(*, task: ExportTask, query: str) -> QuerySet[Contact]:
    """Return the task's contacts whose search text holds the folded `query`, tested row
    by row (`STRPOS`/`INSTR`) where `contacts_search` lets an index find them.

    For a term matching contacts everywhere, a page is a walk of the sort's index that
    stops after one page. Asked with `LIKE`, PostgreSQL's planner, which cannot tell how
    many contacts a trigram search matches, fetched every match from the trigram index and
    sorted them instead; no index serves this condition, so the walk is the only plan left.
    """
    held_at = StrIndex("search_text", Value(_folded(query)))
    contacts = contacts_shown(Contact.objects.filter(task=task))
    return contacts.alias(held_at=held_at).filter(held_at__gt=0)


class SearchPaginator(KnownCountPaginator):
    """Pages of a search's matches, counted up to `limit`: `count_is_exact` says if more.

    The keys of up to `limit` + 1 matches come first (`found`, with their ranks), from an
    index that holds the search text (trigram indexes: `pg_trgm` on PostgreSQL, FTS5 on
    SQLite for terms of three characters or more, shorter ones a walk of the book; see
    `search_index`). Up to `limit`
    matches, a page is sorted from their ranks and fetched by key; past it, matches are
    everywhere, and a page is a walk of the sort's index that stops after one page, through
    `walked` (the same matches, tested row by row).
    """

    def __init__(
        self,
        found: list[_Match],
        how: ContactSort,
        with_value: int,
        per_page: int,
        *,
        limit: int,
        walked: QuerySet[Contact],
    ):
        if len(found) <= limit:
            object_list = _FoundMatches(found, how, with_value)
        elif how.descending:
            object_list = _BlanksLastDescending(walked, how.rank, with_value)
        else:
            object_list = walked.order_by(how.rank)
        super().__init__(object_list, per_page, count=min(len(found), limit))
        self.count_is_exact = len(found) <= limit


class _Match(NamedTuple):
    pk: int
    rank: int


class _FoundMatches:
    """A few matches known by key and rank, read as slices for a paginator: sorted here."""

    def __init__(self, found: list[_Match], how: ContactSort, with_value: int):
        found = sorted(found, key=lambda match: how.shown_at(match.rank, with_value))
        self.keys = [match.pk for match in found]

    def __getitem__(self, window: slice) -> list[Contact]:
        page_keys = self.keys[window]
        rows = contacts_shown(Contact.objects).in_bulk(page_keys)
        return [rows[key] for key in page_keys]


class _BlanksLastDescending:
    """Matches in a descending sort, blanks last, read as slices for a paginator.

    The matches with a value, from the highest rank down, then the blanks by rank: each part
    is a walk of the `(task, rank)` index that stops after one page, where ordering by
    `contacts_search`'s expression sorts every match first.
    """

    def __init__(self, matches: QuerySet[Contact], rank: str, with_value: int):
        matches = matches.order_by()
        self.with_value = matches.filter(**{f"{rank}__lt": with_value}).order_by(f"-{rank}")
        self.blanks = matches.filter(**{f"{rank}__gte": with_value}).order_by(rank)

    def __getitem__(self, window: slice) -> list[Contact]:
        start, stop = window.start or 0, window.stop
        rows = list(self.with_value[start:stop])
        if len(rows) == stop - start:
            return rows
        # Past the end of the matches with a value: the blanks start after all of them.
        with_value = start + len(rows) if rows else self.with_value.count()
        return rows + list(self.blanks[max(0, start - with_value) : stop - with_value])


class _RankPaginator(KnownCountPaginator):
    """Pages of a whole book in one sort, each fetched as one or two ranges of ranks."""

    def __init__(self, task: ExportTask, how: ContactSort, per_page: int):
        contacts = contacts_shown(Contact.objects.filter(task=task))
        super().__init__(contacts, per_page, count=task.contact_count)
        self.how = how
        self.with_value = how.with_value(task)

    def window(self, start: int, stop: int) -> list[Contact]:
        rank = self.how.rank
        if not self.how.descending:
            ranges = Q(**{f"{rank}__gte": start, f"{rank}__lt": stop})
            return list(self.object_list.filter(ranges).order_by(rank))
        # Shown at index i: rank k-1-i while i < k (contacts with a value), else rank i.
        k = self.with_value
        ranges = []
        if start < k:
            ranges.append(Q(**{f"{rank}__gt": k - 1 - min(stop, k), f"{rank}__lte": k - 1 - start}))
        if stop > k:
            ranges.append(Q(**{f"{rank}__gte": max(start, k), f"{rank}__lt": stop}))
        rows = list(self.object_list.filter(reduce(operator.or_, ranges))) if ranges else []
        rows.sort(key=lambda contact: self.how.shown_at(getattr(contact, rank), k))
        return rows
