"""Ingest: LinkedIn's address book stored as contacts, fingerprints and a comparison.

The book is read twice from LinkedIn's body: the first reading stores the fingerprints and
gathers each contact's sort keys and duplicate keys, the second stores the contacts, each
row complete, so the database only ever inserts. On SQLite both readings happen before
the write transaction, into TEMP tables (`staged_insert`), so the one writer SQLite allows
holds its lock only for the copy, the search index and the comparison.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from contactsapp.accounts import account_country
from exports import linkedin_api
from exports.bulk_insert import large_cache_while_loading, refresh_planner_statistics
from exports.duplicates import duplicate_ranks
from exports.models import Contact, ContactFingerprint, ExportTask
from exports.same_person import Grouping
from exports.search_index import search_index_add
from exports.services.comparison import (
    MATCH_ORDER,
    Compared,
    comparison_record,
    export_previous,
    fingerprints_compare,
)
from exports.services.retention import address_books_trim
from exports.services.rows import (
    CONTACT_COLUMNS,
    FINGERPRINT_COLUMNS,
    FINGERPRINT_KEYS,
    BookKeys,
    ContactRow,
    contact_rows,
    fingerprint_rows,
)
from exports.services.status import export_finish
from exports.sort_ranks import RANK_COLUMNS, SortKeys
from exports.staged_insert import StagedInserts, staged_inserts
from operations import metrics

logger = logging.getLogger(__name__)

Status = ExportTask.Status


def contacts_ingest(
    *, task: ExportTask, result: linkedin_api.ExportResult, now: datetime | None = None
) -> ExportTask:
    """Store every contact of LinkedIn's `result~` exactly once, all or nothing.

    Raise `linkedin_api.Unavailable` (or its `InvalidAddressBook`), and store nothing, if
    the result is malformed.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    expires_at = result.expiry()
    with large_cache_while_loading(), staged_inserts(_STAGED) as staging:
        if connection.vendor == "sqlite" and _worth_building(task, expires_at=expires_at, now=now):
            # SQLite has one writer at a time: the rows are built, staged and compared
            # before the write transaction, which only copies them, so two workers'
            # ingests overlap.
            stored = _rows_stored(task=task, result=result, insert=staging.insert)
            compared = _fingerprints_compared(task=task, staging=staging)
            with transaction.atomic():
                if not _still_in_progress(task, expires_at=expires_at, now=now):
                    return task
                if _previous_id(compared) != _previous_id(export_previous(task=task)):
                    # Another export of the member finished or went meanwhile: again, now.
                    _fingerprints_reset(task=task, staging=staging)
                    compared = _fingerprints_compared(task=task, staging=staging)
                staging.copy()
                _book_completed(
                    task=task, stored=stored, compared=compared, now=now, expires_at=expires_at
                )
        else:
            with transaction.atomic():
                if not _still_in_progress(task, expires_at=expires_at, now=now):
                    return task
                stored = _rows_stored(task=task, result=result, insert=staging.insert)
                compared = _fingerprints_compared(task=task, staging=staging)
                staging.copy()
                _book_completed(
                    task=task, stored=stored, compared=compared, now=now, expires_at=expires_at
                )
    totals = stored.totals
    logger.info("event=export_ingested export=%s contacts=%d", task.public_id, totals.contacts)
    metrics.ingest_recorded(seconds=time.perf_counter() - started, contacts=totals.contacts)
    address_books_trim(owner_id=task.owner_id)
    return task


# The fingerprints are staged on every database, so the comparison fills in each row before
# it is stored (`previous_position` is the comparison's alone); on SQLite the contacts too.
_STAGED = {ContactFingerprint: ("previous_position",)}
# What the comparison looks up in the staged fingerprints: which were found by each level.
_STAGED_KEYS = [level.value for level in MATCH_ORDER]


def _fingerprints_compared(*, task: ExportTask, staging: StagedInserts) -> Compared | None:
    """Compare the staged fingerprints with the member's previous export, if any."""
    previous = export_previous(task=task)
    if previous is None:
        return None
    table = staging.table(ContactFingerprint)
    if not staging.indexed(ContactFingerprint):
        staging.index(ContactFingerprint, _STAGED_KEYS)
    return fingerprints_compare(task=task, previous=previous, table=table)


def _fingerprints_reset(*, task: ExportTask, staging: StagedInserts) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {staging.table(ContactFingerprint)} SET matched_by = '', "  # noqa: S608
            "previous_position = NULL, email_changed = %s, phone_changed = %s "
            "WHERE task_id = %s",
            [False, False, task.pk],
        )


def _previous_id(found: Compared | ExportTask | None) -> int | None:
    if found is None:
        return None
    return found.previous.pk if isinstance(found, Compared) else found.pk


def _worth_building(task: ExportTask, *, expires_at: datetime, now: datetime) -> bool:
    """Whether the task, read without a lock, is still one to store (the write transaction
    looks again)."""
    status = ExportTask.objects.filter(pk=task.pk).values_list("status", flat=True).first()
    return status == Status.IN_PROGRESS and expires_at > now


def _still_in_progress(task: ExportTask, *, expires_at: datetime, now: datetime) -> bool:
    """Lock the task, in the caller's transaction, and say whether to store its book; else
    leave `task` as it ended (finished by a racing ingest, deleted, or expired meanwhile).
    """
    # Two racing ingests are serialised on the task's row; the loser sees it finished.
    locked = ExportTask.objects.select_for_update().filter(pk=task.pk).first()
    if locked is None:
        return False  # its member deleted it meanwhile: store nothing
    if locked.status != Status.IN_PROGRESS:
        task.refresh_from_db()
        return False
    if expires_at <= now:
        export_finish(task=task, status=Status.EXPIRED, now=now, expires_at=expires_at)
        return False
    return True


class _Insert(Protocol):
    def __call__(
        self, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]
    ) -> None: ...


@dataclass
class _Stored:
    totals: _ContactTotals
    grouping: Grouping


def _rows_stored(
    *, task: ExportTask, result: linkedin_api.ExportResult, insert: _Insert
) -> _Stored:
    """Read LinkedIn's contacts twice and hand `insert` the fingerprints, then the contacts.

    One reading stores their fingerprints and gathers their sort keys and duplicate keys;
    the next stores them, each row complete, so the database only ever inserts. A bad
    contact half-way raises, and nothing is kept: the transaction takes back the rows
    before it, or the staged rows are dropped.
    """
    book = BookKeys(sort_keys=SortKeys(task.collation))
    insert(
        ContactFingerprint,
        FINGERPRINT_COLUMNS,
        fingerprint_rows(
            task=task,
            contacts=result.checked_contacts(),
            region=account_country(user_id=task.owner_id),
            book=book,
        ),
    )
    ranks = book.sort_keys.ranks()
    grouping = book.duplicates.groups()
    totals = _ContactTotals()
    rows = contact_rows(
        task=task,
        contacts=result.checked_contacts(with_json=True),
        internationals=book.internationals,
        ranks=ranks,
        grouping=grouping,
        places=duplicate_ranks(grouping.listing),
    )
    insert(Contact, CONTACT_COLUMNS, totals.counted(rows))
    return _Stored(totals=totals, grouping=grouping)


def _book_completed(
    *,
    task: ExportTask,
    stored: _Stored,
    compared: Compared | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    """After its rows: the book's search index, statistics, comparison, and the task's
    counts; in the transaction that stored the rows."""
    totals, grouping = stored.totals, stored.grouping
    indexed = search_index_add(task=task)
    if totals.contacts >= LARGE_ADDRESS_BOOK:
        # PostgreSQL must know the tables are no longer tiny: the next comparison joins on
        # these fingerprints, and without the ranks' statistics it sorts the whole book
        # for each search page instead of walking it in the sort's order.
        refresh_planner_statistics(Contact, ["task", "position", *RANK_COLUMNS])
        refresh_planner_statistics(ContactFingerprint, FINGERPRINT_KEYS)
    if compared is not None:
        comparison_record(task=task, compared=compared)
    export_finish(
        task=task,
        status=Status.SUCCEEDED,
        now=now,
        expires_at=expires_at,
        contact_count=totals.contacts,
        with_name_count=totals.with_name,
        with_email_count=totals.with_email,
        with_phone_count=totals.with_phone,
        duplicate_count=grouping.entries_of_people_listed_more_than_once,
        duplicate_people_count=grouping.people_listed_more_than_once,
        duplicate_listed_count=grouping.listed,
        consecutive_errors=0,
        **indexed,
    )


LARGE_ADDRESS_BOOK = 5000


@dataclass
class _ContactTotals:
    contacts: int = 0
    with_name: int = 0
    with_email: int = 0
    with_phone: int = 0

    def counted(self, rows: Iterator[ContactRow]) -> Iterator[ContactRow]:
        for row in rows:
            self.contacts += 1
            self.with_name += bool(row.name)
            self.with_email += bool(row.email)
            self.with_phone += bool(row.phone)
            yield row
