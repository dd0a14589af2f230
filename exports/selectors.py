"""Reads of exports and contacts, always scoped to their owner."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Case, ExpressionWrapper, F, IntegerField, Q, QuerySet, When
from django.http import Http404
from django.utils.functional import cached_property

from exports.collation import search_form
from exports.models import Contact, ExportTask


@dataclass(frozen=True)
class ContactSort:
    """One way of ordering a book: by `rank` (a column ranked at ingest), up or down."""

    rank: str
    descending: bool = False
    # The ExportTask field counting contacts with a value, i.e. where the blanks start.
    with_value_count: str = "contact_count"

    def with_value(self, task: ExportTask) -> int:
        return getattr(task, self.with_value_count)


# Public sort keys → how. Blanks come last in both directions (see `sort_ranks`).
CONTACT_SORTS: dict[str, ContactSort] = {
    "": ContactSort("position"),
    "name": ContactSort("name_rank", with_value_count="with_name_count"),
    "-name": ContactSort("name_rank", descending=True, with_value_count="with_name_count"),
    "email": ContactSort("email_rank", with_value_count="with_email_count"),
    "-email": ContactSort("email_rank", descending=True, with_value_count="with_email_count"),
    "phone": ContactSort("phone_rank", with_value_count="with_phone_count"),
    "-phone": ContactSort("phone_rank", descending=True, with_value_count="with_phone_count"),
}
MAX_QUERY_LENGTH = 200
# Counting every match of a one-letter search in 250,000 contacts reads them all; past this
# many the page says "1,000+" and pages stop there (narrow the search to see the rest).
# Counting 10,000 of a common surname cost ~100 ms on PostgreSQL; 1,000 costs a tenth.
SEARCH_COUNT_LIMIT = 1_000


def exports_for_owner(*, user: AbstractBaseUser) -> QuerySet[ExportTask]:
    return ExportTask.objects.filter(owner=user).order_by("-requested_at")


def export_get_for_owner(*, user: AbstractBaseUser, public_id: UUID) -> ExportTask:
    """Return the member's export; anyone else gets 404, so ids reveal nothing."""
    task = (
        ExportTask.objects.select_related("owner__linkedin_account")
        .filter(owner=user, public_id=public_id)
        .first()
    )
    if task is None:
        raise Http404("No such export.")
    return task


def contacts_search(*, task: ExportTask, query: str = "", sort: str = "") -> QuerySet[Contact]:
    """Return the task's contacts whose name, email or phone contains `query`, sorted.

    The query is folded as the stored text was (`collation.search_form`): no case, no
    accents, any Unicode form.
    """
    contacts = _listed(Contact.objects.filter(task=task))
    query = search_form(query.strip()[:MAX_QUERY_LENGTH])
    if "\x00" in query:
        # No stored contact holds a NUL (ingest drops them), and PostgreSQL refuses one.
        return contacts.none()
    if query:
        contacts = contacts.filter(search_text__contains=query)
    how = CONTACT_SORTS.get(sort, CONTACT_SORTS[""])
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
    how = CONTACT_SORTS.get(sort, CONTACT_SORTS[""])
    if search_form(query.strip()):
        matches = contacts_search(task=task, query=query)
        paginator = SearchPaginator(
            matches, how, how.with_value(task), per_page, limit=SEARCH_COUNT_LIMIT
        )
        return paginator.get_page(page_number)
    return _RankPaginator(task, how, per_page).get_page(page_number)


class SearchPaginator(Paginator):
    """Pages of a search's matches, counted up to `limit`: `count_is_exact` says if more.

    The keys of up to `limit` + 1 matches come first, from an index that holds the search
    text (a trigram index on PostgreSQL, `(task, search_text)` on SQLite) without reading
    the contacts. Up to `limit` matches, a page is sorted from their ranks and fetched by
    key; past it, matches are everywhere, and a page is a walk of the sort's index that
    stops after one page.
    """

    def __init__(
        self,
        matches: QuerySet[Contact],
        how: ContactSort,
        with_value: int,
        per_page: int,
        *,
        limit: int,
    ):
        found = list(matches.order_by().values_list("pk", flat=True)[: limit + 1])
        self.count_is_exact = len(found) <= limit
        if self.count_is_exact:
            object_list = _FoundMatches(found, how, with_value)
        elif how.descending:
            object_list = _BlanksLastDescending(matches, how.rank, with_value)
        else:
            object_list = matches.order_by(how.rank)
        super().__init__(object_list, per_page)
        self._count = min(len(found), limit)

    @cached_property
    def count(self) -> int:
        return self._count


class _FoundMatches:
    """A few matches known by key, read as slices for a paginator: sorted here by rank."""

    def __init__(self, keys: list[int], how: ContactSort, with_value: int):
        self.keys, self.how, self.with_value = keys, how, with_value

    def __getitem__(self, window: slice) -> list[Contact]:
        ranked = Contact.objects.filter(pk__in=self.keys).values_list("pk", self.how.rank)
        if self.how.descending:
            ordered = sorted(ranked, key=lambda row: _shown_at(row[1], self.with_value))
        else:
            ordered = sorted(ranked, key=lambda row: row[1])
        page_keys = [key for key, _ in ordered[window]]
        rows = _listed(Contact.objects).in_bulk(page_keys)
        return [rows[key] for key in page_keys]


class _BlanksLastDescending:
    """Matches in a descending sort, blanks last, read as slices for a paginator.

    The matches with a value, from the highest rank down, then the blanks by rank: each part
    is a walk of the `(task, rank)` index that stops after one page, where ordering by
    `contacts_search`'s expression sorts every match first.
    """

    def __init__(self, matches: QuerySet[Contact], rank: str, with_value: int):
        self.matches = matches.order_by()
        self.with_value = self.matches.filter(**{f"{rank}__lt": with_value}).order_by(f"-{rank}")
        self.blanks = self.matches.filter(**{f"{rank}__gte": with_value}).order_by(rank)

    def order_by(self) -> QuerySet[Contact]:
        return self.matches  # for counting

    def __getitem__(self, window: slice) -> list[Contact]:
        start, stop = window.start or 0, window.stop
        rows = list(self.with_value[start:stop])
        if len(rows) == stop - start:
            return rows
        # Past the end of the matches with a value: the blanks start after all of them.
        with_value = start + len(rows) if rows else self.with_value.count()
        return rows + list(self.blanks[max(0, start - with_value) : stop - with_value])


class _RankPaginator(Paginator):
    """Pages of a whole book in one sort, each fetched as one or two ranges of ranks."""

    count_is_exact = True

    def __init__(self, task: ExportTask, how: ContactSort, per_page: int):
        super().__init__(_listed(Contact.objects.filter(task=task)), per_page)
        self.how = how
        self.with_value = how.with_value(task)
        self._count = task.contact_count

    @cached_property
    def count(self) -> int:
        return self._count

    def page(self, number: str | int) -> Page:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        end = min(start + self.per_page, self.count)
        rank = self.how.rank
        if not self.how.descending:
            ranges = Q(**{f"{rank}__gte": start, f"{rank}__lt": end})
            rows = list(self.object_list.filter(ranges).order_by(rank))
            return self._get_page(rows, number, self)
        # Shown at index i: rank k-1-i while i < k (contacts with a value), else rank i.
        k = self.with_value
        ranges = []
        if start < k:
            ranges.append(Q(**{f"{rank}__gt": k - 1 - min(end, k), f"{rank}__lte": k - 1 - start}))
        if end > k:
            ranges.append(Q(**{f"{rank}__gte": max(start, k), f"{rank}__lt": end}))
        rows = list(self.object_list.filter(reduce(operator.or_, ranges))) if ranges else []
        rows.sort(key=lambda contact: _shown_at(getattr(contact, rank), k))
        return self._get_page(rows, number, self)


def _listed(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    # A page shows name, e-mail and phone: LinkedIn's JSON (decoded per row) and the
    # search text stay in the database.
    return contacts.defer("raw", "search_text")


def _shown_at(rank: int, with_value: int) -> int:
    return with_value - 1 - rank if rank < with_value else rank
