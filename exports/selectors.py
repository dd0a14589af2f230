"""Reads of exports and contacts, always scoped to their owner."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, reduce
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, StrIndex
from django.http import Http404
from django.utils.functional import cached_property

from exports import matching, search_index
from exports.collation import search_form
from exports.downloads.base import Person, Phone
from exports.downloads.changes import Change
from exports.models import Contact, ContactFingerprint, ExportComparison, ExportTask


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


# What a status poll reads: the fields its panel and row show, and those that say whether a
# call to LinkedIn is due.
PROGRESS_FIELDS = (
    "id",
    "public_id",
    "owner_id",
    "linkedin_task_id",
    "status",
    "note",
    "needs_sign_in",
    "requested_at",
    "expires_at",
    "next_check_at",
    "consecutive_errors",
)


def export_progress_get(*, user: AbstractBaseUser, public_id: UUID) -> ExportTask:
    """Return the member's export with only what a status poll reads; 404 for anyone else.

    Every open page polls every 2 s, so this is the app's most frequent query. Built by
    the ORM it cost more than the rest of the view (the compiler's work, not the
    database's: a primary-key-like lookup on the unique `public_id`); one fixed statement
    made from the model's own names costs a third of that. The rows come back through
    `raw()`, so each column is converted as the ORM would, and fields left out are
    deferred. A finished task is read again in full (`export_get_for_owner`) for its
    results.
    """
    task = next(
        iter(ExportTask.objects.raw(_progress_sql(), [user.pk, _public_id_param(public_id)])),
        None,
    )
    if task is None:
        raise Http404("No such export.")
    task.owner = user  # already loaded by the sign-in check: a due call reads its account
    return task


@cache
def _progress_sql() -> str:
    meta, quote = ExportTask._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in PROGRESS_FIELDS)
    owner, public_id = (quote(meta.get_field(name).column) for name in ("owner", "public_id"))
    # Only the model's own names go into the text; the values are parameters.
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {owner} = %s AND {public_id} = %s"  # noqa: S608


def _public_id_param(public_id: UUID) -> Any:
    # A UUID is a 32-character string on SQLite and a native uuid on PostgreSQL.
    return ExportTask._meta.get_field("public_id").get_db_prep_value(public_id, connection)


def exports_for_owner(*, user: AbstractBaseUser) -> QuerySet[ExportTask]:
    return ExportTask.objects.filter(owner=user).order_by("-requested_at")


def export_get_for_owner(*, user: AbstractBaseUser, public_id: UUID) -> ExportTask:
    """Return the member's export; anyone else gets 404, so ids reveal nothing.

    With its comparison to the previous export (`export_changes`) in the same query: every
    query of a page is a round trip, on PostgreSQL a good part of the page's time.
    """
    task = (
        ExportTask.objects.select_related("owner__linkedin_account", "comparison__previous")
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
        contacts = search_index.narrowed(contacts.filter(search_text__contains=query), query)
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


def _contacts_holding(*, task: ExportTask, query: str) -> QuerySet[Contact]:
    """Return the task's contacts whose search text holds the folded `query`, tested row
    by row (`STRPOS`/`INSTR`) where `contacts_search` lets an index find them.

    For a term matching contacts everywhere, a page is a walk of the sort's index that
    stops after one page. Asked with `LIKE`, PostgreSQL's planner, which cannot tell how
    many contacts a trigram search matches, fetched every match from the trigram index and
    sorted them instead (240 ms for a common surname at 250,000 contacts); no index serves
    this condition, so the walk is the only plan left.
    """
    folded = search_form(query.strip()[:MAX_QUERY_LENGTH])
    held_at = StrIndex("search_text", Value(folded))
    return _listed(Contact.objects.filter(task=task)).alias(held_at=held_at).filter(held_at__gt=0)


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
            matches,
            how,
            how.with_value(task),
            per_page,
            limit=SEARCH_COUNT_LIMIT,
            walked=_contacts_holding(task=task, query=query),
        )
        return paginator.get_page(page_number)
    return _RankPaginator(task, how, per_page).get_page(page_number)


class SearchPaginator(Paginator):
    """Pages of a search's matches, counted up to `limit`: `count_is_exact` says if more.

    The keys of up to `limit` + 1 matches come first, from an index that holds the search
    text (trigram indexes: `pg_trgm` on PostgreSQL, FTS5 on SQLite for terms of three
    characters or more, else `(task, search_text)`; see `search_index`) without reading
    the contacts. Up to `limit` matches, a page is sorted from their ranks and fetched by
    key; past it, matches are everywhere, and a page is a walk of the sort's index that
    stops after one page, through `walked` (the same matches, tested row by row).
    """

    def __init__(
        self,
        matches: QuerySet[Contact],
        how: ContactSort,
        with_value: int,
        per_page: int,
        *,
        limit: int,
        walked: QuerySet[Contact] | None = None,
    ):
        # With their ranks: a page of up to `limit` matches is then sorted without a query.
        found = list(matches.order_by().values_list("pk", how.rank)[: limit + 1])
        self.count_is_exact = len(found) <= limit
        walked = matches if walked is None else walked
        if self.count_is_exact:
            object_list = _FoundMatches(found, how, with_value)
        elif how.descending:
            object_list = _BlanksLastDescending(walked, how.rank, with_value)
        else:
            object_list = walked.order_by(how.rank)
        super().__init__(object_list, per_page)
        self._count = min(len(found), limit)

    @cached_property
    def count(self) -> int:
        return self._count


class _FoundMatches:
    """A few matches known by key and rank, read as slices for a paginator: sorted here."""

    def __init__(self, ranked: list[tuple[int, int]], how: ContactSort, with_value: int):
        if how.descending:
            ranked = sorted(ranked, key=lambda row: _shown_at(row[1], with_value))
        else:
            ranked = sorted(ranked, key=lambda row: row[1])
        self.keys = [key for key, _ in ranked]

    def __getitem__(self, window: slice) -> list[Contact]:
        page_keys = self.keys[window]
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


# --- downloads ----------------------------------------------------------------------------

# Rows a download reads at a time: the first chunk leaves after one small read, and the
# later reads are larger, so a book of any size streams with flat memory.
DOWNLOAD_FIRST_ROWS = 200
DOWNLOAD_ROWS = 2000


def download_rows(*, task: ExportTask, query: str = "") -> Iterator[tuple[str, str, str, str]]:
    """Yield the name, e-mail, phone as sent and international phone of each contact
    matching `query`, in LinkedIn's order, as the database gives them.
    """
    contacts = contacts_search(task=task, query=query)
    fields = ("name", "email", "phone", "phone_international")
    return map(_WITHOUT_POSITION, _by_position(contacts, fields))


_WITHOUT_POSITION = operator.itemgetter(slice(0, 4))


def download_people(
    *, task: ExportTask, query: str = "", merged: bool = False, uids: bool = True
) -> Iterator[Person]:
    """Yield the task's contacts matching `query` in LinkedIn's order, one `Person` each;
    with `merged`, one per person: the contacts of a duplicate group together, with every
    distinct e-mail and phone, in the order of the group's first contact. Without `uids`
    the people have no vCard UID (its HMAC is most of a row's cost for the CSV formats).
    """
    if not merged and not uids:
        # The CSV formats, contact by contact: the four fields of a row, no key to read.
        for name, email, phone, international in download_rows(task=task, query=query):
            yield Person(
                name=name,
                emails=(email,) if email else (),
                phones=(Phone(phone, international),) if phone else (),
            )
        return
    uid = _Uids(owner_id=task.owner_id).uid if uids else None
    contacts = contacts_search(task=task, query=query)
    if not merged:
        rows = _by_position(contacts, _PERSON_FIELDS[:-1])
        for name, email, phone, international, email_key, group, position in rows:
            key = matching.match_key(email=email_key, phone_international=international, name=name)
            if group is not None and position != group:
                # Listed twice: the same key as the group's first contact, so set apart.
                key = f"{key}#{position - group}"
            yield Person(
                name=name,
                emails=(email,) if email else (),
                phones=(Phone(phone, international),) if phone else (),
                uid=uid(key),
            )
        return
    for rows in _people_rows(contacts, searched=bool(search_form(query.strip()))):
        yield _merged_person(rows, uid=uid)


_PERSON_FIELDS = (
    "name",
    "email",
    "phone",
    "phone_international",
    "email_key",
    "duplicate_group",
    "position",
)
_GROUP, _POSITION = 5, 6


def _by_position(rows: QuerySet, fields: tuple[str, ...]) -> Iterator[tuple]:
    """Yield `fields` and then the position of each of `rows` (contacts or fingerprints of
    one task), in LinkedIn's order.

    Read in batches, each a range of the (task, position) key: a small first batch, so the
    first chunk of a download leaves at once, then `DOWNLOAD_ROWS` at a time. Not one
    cursor over the book: outside a transaction, PostgreSQL runs a held cursor's whole
    query (and keeps its result) before the first row, 0.4 s for 250,000 contacts.
    """
    rows = rows.order_by("position").values_list(*fields, "position")
    after, size = -1, DOWNLOAD_FIRST_ROWS
    while batch := list(rows.filter(position__gt=after)[:size]):
        yield from batch
        if len(batch) < size:
            return
        after, size = batch[-1][-1], DOWNLOAD_ROWS


def _people_rows(contacts: QuerySet[Contact], *, searched: bool) -> Iterator[list[tuple]]:
    """Yield the rows (`_PERSON_FIELDS`) of each person: a contact listed once alone, the
    contacts of a duplicate group together, in the order of each person's first contact.

    The whole book is walked in LinkedIn's order; a group's first contact brings the rest
    of its group, read for a batch's groups at once on the duplicates index, so nothing
    sorts the book. A search may leave out a group's first contact, so a search's matches
    are sorted by group instead, as they were.
    """
    if searched:
        person_order = Coalesce("duplicate_group", "position")
        rows = contacts.order_by(person_order, "position").values_list(*_PERSON_FIELDS)
        for _, group in itertools.groupby(rows.iterator(DOWNLOAD_ROWS), key=_person_of_row):
            yield list(group)
        return
    for batch in _batches(_by_position(contacts, _PERSON_FIELDS[:-1]), DOWNLOAD_ROWS):
        firsts = [row[_POSITION] for row in batch if row[_GROUP] == row[_POSITION]]
        others: dict[int, list[tuple]] = {first: [] for first in firsts}
        if firsts:
            rest = (
                contacts.filter(duplicate_group__in=firsts)
                .exclude(position=F("duplicate_group"))
                .order_by("duplicate_group", "position")
                .values_list(*_PERSON_FIELDS)
            )
            for row in rest:
                others[row[_GROUP]].append(row)
        for row in batch:
            if row[_GROUP] is None:
                yield [row]
            elif row[_GROUP] == row[_POSITION]:
                yield [row, *others[row[_GROUP]]]
            # Else listed with its group's first contact, already written.


class _Uids:
    """vCard UIDs, unique within one file.

    A UID comes from the person's match key, so it is the same in every export. Two
    entries with the same key and not merged (the same name and nothing else) get the
    key's second, third... UID; only such keys are remembered, not the whole book.
    """

    def __init__(self, *, owner_id: int):
        self._uid = matching.vcard_uids(owner_id=owner_id)
        self._seen: dict[str, int] = {}

    def uid(self, key: str) -> str:
        if key.startswith("name:") or not key:
            count = self._seen[key] = self._seen.get(key, 0) + 1
            if count > 1:
                key = f"{key}#{count}"
        return self._uid(key)


def _person_of_row(row: tuple) -> object:
    # A contact listed once is a person of its own: a unique object never equals another.
    return row[5] if row[5] is not None else object()


def _merged_person(rows: list[tuple], *, uid: Callable[[str], str] | None) -> Person:
    names = list(dict.fromkeys(name for name, *_ in rows if name))
    # An address differing only in case is the same address: the first spelling is kept.
    emails = list({row[4]: row[1] for row in reversed(rows) if row[1]}.values())[::-1]
    phones: dict[str, Phone] = {}
    for _, _, phone, international, *_ in rows:
        if phone and (international or phone) not in phones:
            phones[international or phone] = Phone(phone, international)
    return Person(
        name=names[0] if names else "",
        emails=tuple(emails),
        phones=tuple(phones.values()),
        other_names=tuple(names[1:]),
        uid=uid(_person_key(rows, names)) if uid else "",
    )


def _person_key(rows: list[tuple], names: list[str]) -> str:
    """The smallest key of the person, whatever the order: the same UID in every export."""
    return matching.match_key(
        email=min((row[4] for row in rows if row[4]), default=""),
        phone_international=min((row[3] for row in rows if row[3]), default=""),
        name=min(names, default=""),
    )


def download_raw(*, task: ExportTask, query: str = "") -> Iterator[str]:
    """Yield the stored JSON text of each contact matching `query`, in LinkedIn's order,
    without decoding it (the JSON download streams it as it is).
    """
    contacts = contacts_search(task=task, query=query).annotate(
        raw_text=Cast("raw", output_field=TextField())
    )
    return map(_FIRST, _by_position(contacts, ("raw_text",)))


_FIRST = operator.itemgetter(0)


# --- changes and duplicates ---------------------------------------------------------------


@dataclass(frozen=True)
class ChangedContact:
    contact: Contact
    previous: Contact | None  # None once the previous export's contacts are purged
    email_changed: bool
    phone_changed: bool


@dataclass(frozen=True)
class Changes:
    comparison: ExportComparison
    new: list[Contact]
    changed: list[ChangedContact]
    previous_purged: bool


def export_changes(*, task: ExportTask, limit: int = 20) -> Changes | None:
    """Return how the task's book changed since the previous export, with the first
    `limit` new and changed contacts; None for a member's first export.
    """
    try:
        comparison = task.comparison  # no query when `export_get_for_owner` read the task
    except ExportComparison.DoesNotExist:
        return None
    fingerprints = ContactFingerprint.objects.filter(task=task).order_by("position")
    # Each list is a walk of its partial index (`fingerprint_new`, `fingerprint_changed`),
    # and no query at all when the comparison counted none.
    new_positions = (
        list(fingerprints.filter(matched_by="").values_list("position", flat=True)[:limit])
        if comparison.new_count
        else []
    )
    changed = (
        list(
            fingerprints.filter(Q(email_changed=True) | Q(phone_changed=True)).values_list(
                "position", "previous_position", "email_changed", "phone_changed"
            )[:limit]
        )
        if comparison.changed_count
        else []
    )
    current = _contacts_at(task, [*new_positions, *(row[0] for row in changed)])
    previous = _contacts_at(comparison.previous, [row[1] for row in changed])
    return Changes(
        comparison=comparison,
        new=[current[position] for position in new_positions if position in current],
        changed=[
            ChangedContact(current[position], previous.get(old), email_changed, phone_changed)
            for position, old, email_changed, phone_changed in changed
            if position in current
        ],
        previous_purged=_purged(comparison.previous),
    )


def changes_rows(*, task: ExportTask) -> Iterator[Change]:
    """Yield every new and changed contact of the task, for the changes CSV, in batches."""
    comparison = ExportComparison.objects.filter(task=task).select_related("previous").first()
    if comparison is None:
        return
    fingerprints = ContactFingerprint.objects.filter(task=task).filter(
        Q(matched_by="") | Q(email_changed=True) | Q(phone_changed=True)
    )
    for batch in _batches(_by_position(fingerprints, _CHANGE_FIELDS[1:]), DOWNLOAD_ROWS):
        # The batch's contacts, now and before, each one query joined by the database with
        # the batch's fingerprints: no list of positions to send, no model instances.
        listed = fingerprints.filter(position__range=(batch[0][-1], batch[-1][-1]))
        current = _change_fields_at(task, listed.values("position"))
        previous = {}
        if any(row[1] for row in batch):
            matched = listed.exclude(matched_by="").values("previous_position")
            previous = _change_fields_at(comparison.previous, matched)
        for old, matched_by, email_changed, phone_changed, position in batch:
            contact = current.get(position)
            if contact is None:
                continue
            name, email, phone, international = contact
            before = previous.get(old) if matched_by else None
            yield Change(
                kind=_change_kind(matched_by, email_changed, phone_changed),
                name=name,
                email=email,
                phone=phone,
                phone_international=international,
                previous_email=before[1] if before and email_changed else "",
                previous_phone=before[2] if before and phone_changed else "",
            )


def _change_fields_at(task: ExportTask | None, positions: QuerySet) -> dict[int, tuple]:
    """The name, e-mail, phone and international phone of `task`'s contacts at `positions`
    (a query of positions), by position; none once the task's contacts are purged.
    """
    if task is None:
        return {}
    contacts = Contact.objects.filter(task=task, position__in=positions).values_list(
        "position", "name", "email", "phone", "phone_international"
    )
    return {position: fields for position, *fields in contacts}


_CHANGE_FIELDS = ("position", "previous_position", "matched_by", "email_changed", "phone_changed")


def _batches(items: Iterator, size: int) -> Iterator[list]:
    """Yield lists of `items`: `DOWNLOAD_FIRST_ROWS` first, so a download's first chunk
    waits for no more than `_by_position`'s first read, then `size` at a time.
    """
    first = min(size, DOWNLOAD_FIRST_ROWS)
    while batch := list(itertools.islice(items, first)):
        yield batch
        first = size


def _change_kind(matched_by: str, email_changed: bool, phone_changed: bool) -> str:
    if not matched_by:
        return "new"
    if email_changed and phone_changed:
        return "changed e-mail and phone"
    return "changed e-mail" if email_changed else "changed phone"


def _contacts_at(task: ExportTask | None, positions: list[int | None]) -> dict[int, Contact]:
    wanted = [position for position in positions if position is not None]
    if task is None or not wanted:
        return {}
    contacts = Contact.objects.filter(task=task, position__in=wanted).only(
        "position", "name", "email", "phone", "phone_international"
    )
    return {contact.position: contact for contact in contacts}


def _purged(task: ExportTask | None) -> bool:
    return task is None or not Contact.objects.filter(task=task).exists()


def duplicates_page(*, task: ExportTask, page_number: str | int | None, per_page: int) -> Page:
    """Return a page of the contacts listed more than once, grouped person by person."""
    contacts = Contact.objects.filter(task=task, duplicate_rank__isnull=False)
    return _DuplicatesPaginator(_listed(contacts), per_page, count=task.duplicate_count).get_page(
        page_number
    )


class _DuplicatesPaginator(Paginator):
    """Pages of the duplicates, each fetched as a range of the ranks stored at ingest, and
    counted at ingest too: no OFFSET, no count per page (most of a book can be listed twice).
    """

    def __init__(self, object_list: QuerySet, per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count

    def page(self, number: str | int) -> Page:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page  # ranks start at 1
        ranks = Q(duplicate_rank__gt=start, duplicate_rank__lte=start + self.per_page)
        rows = list(self.object_list.filter(ranks).order_by("duplicate_rank"))
        return self._get_page(rows, number, self)
