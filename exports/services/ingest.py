"""Ingest: LinkedIn's address book stored as contacts, fingerprints and a comparison.

The book is read twice from LinkedIn's body: the first reading stores the fingerprints and
gathers each contact's sort keys and duplicate keys, the second stores the contacts, each
row complete, so the database only ever inserts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contactsapp.accounts import account_country
from exports import linkedin_api
from exports.bulk_insert import (
    insert_rows,
    large_cache_while_loading,
    refresh_planner_statistics,
)
from exports.duplicates import duplicate_ranks
from exports.models import Contact, ContactFingerprint, ExportTask
from exports.search_index import search_index_add
from exports.services.comparison import export_compare_with_previous
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
    with transaction.atomic():
        # Lock the task so two racing ingests are serialised; the loser sees it finished.
        locked = ExportTask.objects.select_for_update().filter(pk=task.pk).first()
        if locked is None:
            return task  # its member deleted it meanwhile: store nothing
        if locked.status != Status.IN_PROGRESS:
            task.refresh_from_db()
            return task
        if expires_at <= now:
            export_finish(task=task, status=Status.EXPIRED, now=now, expires_at=expires_at)
            return task
        # One reading of LinkedIn's contacts stores their fingerprints and gathers their sort
        # keys and duplicate keys; the next stores them, each row complete, so the database
        # only ever inserts. A bad contact half-way raises, and the transaction takes back
        # the rows before it.
        book = BookKeys(sort_keys=SortKeys(task.collation))
        with large_cache_while_loading():
            insert_rows(
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
            insert_rows(Contact, CONTACT_COLUMNS, totals.counted(rows))
            search_index_add(task=task)
            if totals.contacts >= LARGE_ADDRESS_BOOK:
                # PostgreSQL must know the tables are no longer tiny: the comparison below joins
                # on the fingerprints, and without the ranks' statistics it sorts the whole
                # book for each search page instead of walking it in the sort's order.
                refresh_planner_statistics(Contact, ["task", "position", *RANK_COLUMNS])
                refresh_planner_statistics(ContactFingerprint, FINGERPRINT_KEYS)
            export_compare_with_previous(task=task)
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
        )
    logger.info("event=export_ingested export=%s contacts=%d", task.public_id, totals.contacts)
    metrics.ingest_recorded(seconds=time.perf_counter() - started, contacts=totals.contacts)
    address_books_trim(owner_id=task.owner_id)
    return task


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
