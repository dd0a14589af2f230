"""The join of an uploaded archive, queued for the worker and taken under a lease.

The upload request parses the file (bounded by the upload's limits) and queues its rows
(`archive_queue`); the file itself is never kept. The worker takes due jobs one at a time
(`archive_jobs_join_due`): it wins a job by moving its lease ahead in one conditional
UPDATE, as the export's poller does, so two workers never join the same job, and a worker
that dies mid-join (its transaction rolled back) leaves the job to be taken again when the
lease runs out. After `MAX_ATTEMPTS` takings the job fails, with its reason kept as a code.

A job from LinkedIn's Member Data Portability API (`snapshot_queue`) first reads the
member's snapshot a page at a time with the token of their consent (kept encrypted until
then): a 429 puts the job off until `Retry-After` with the pages read so far, a 401 fails it
(the member consents again), and the rows go through the archive's parser to the same join.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from contactsapp import crypto
from enrichment import portability
from enrichment.models import PENDING, ArchiveJob
from enrichment.services.archive import ArchiveRefused
from enrichment.services.connections_csv import ConnectionRow, connection_records
from enrichment.services.storing import archive_join
from exports.models import ExportTask

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Pages of the snapshot read at most (each of `portability.PAGE_COUNT` elements): past
# this, the API is looping or it is not one member's connections.
MAX_SNAPSHOT_PAGES = 1000
JOBS_PER_ROUND = 3
State = ArchiveJob.State


def archive_queue(
    *, task: ExportTask, rows: list[ConnectionRow], file_kind: str, now: datetime | None = None
) -> ArchiveJob:
    """Queue `rows` to be joined to the task's book by the worker; return the job.

    Raise `ArchiveRefused` when a join of this book is already queued or under way.
    """
    return _job_create(
        task=task,
        now=now or timezone.now(),
        file_kind=file_kind,
        connection_count=len(rows),
        rows=[_stored(row) for row in rows],
    )


def snapshot_queue(
    *, task: ExportTask, access_token: str, now: datetime | None = None
) -> ArchiveJob:
    """Queue the reading of the member's connections from LinkedIn's Member Data Portability
    API with `access_token`, then their join; return the job.

    Raise `ArchiveRefused` when a join of this book is already queued or under way.
    """
    return _job_create(
        task=task,
        now=now or timezone.now(),
        file_kind="api",
        rows=[],
        access_token=crypto.encrypt(access_token),
    )


def _job_create(*, task: ExportTask, now: datetime, **fields) -> ArchiveJob:
    try:
        with transaction.atomic():
            return ArchiveJob.objects.create(
                owner_id=task.owner_id, task=task, created_at=now, lease_until=now, **fields
            )
    except IntegrityError as error:  # the partial unique index: one pending join a book
        raise ArchiveRefused(
            _("An archive is already being added to this address book: wait for it to finish.")
        ) from error


def archive_jobs_join_due(
    *, now: datetime | None = None, stop: Callable[[], bool] = lambda: False
) -> int:
    """Join up to `JOBS_PER_ROUND` due jobs, oldest first; return how many were finished."""
    now = now or timezone.now()
    due = ArchiveJob.objects.filter(state__in=PENDING, lease_until__lte=now).order_by(
        "lease_until", "pk"
    )
    finished = 0
    for job_pk in list(due.values_list("pk", flat=True)[:JOBS_PER_ROUND]):
        if stop():
            break
        finished += archive_job_run(job_pk=job_pk, now=now)
    return finished


def archive_job_run(*, job_pk: int, now: datetime) -> bool:
    """Take the job's lease and join it; False if another worker holds it."""
    if not _claim(job_pk, now=now):
        return False
    job = ArchiveJob.objects.get(pk=job_pk)
    if job.attempts > MAX_ATTEMPTS:
        _finish(job, state=State.FAILED, failure=ArchiveJob.Failure.GAVE_UP)
        logger.warning("event=archive_join_gave_up job=%s", job.public_id)
        return True
    if job.access_token:
        try:
            fetched = _snapshot_read(job, now=now)
        except portability.SnapshotUnavailable as error:
            logger.warning("event=snapshot_unavailable job=%s error=%s", job.public_id, error)
            return False  # taken again once the lease runs out, up to MAX_ATTEMPTS
        if fetched is None:
            return False  # put off (429) or failed: nothing to join now
        job.rows = fetched
    else:
        ArchiveJob.objects.filter(pk=job.pk).update(state=State.JOINING)
    rows = [_row(stored) for stored in job.rows or ()]
    try:
        archive = archive_join(task=job.task, rows=rows, file_kind=job.file_kind)
    except ArchiveRefused:
        _finish(job, state=State.FAILED, failure=ArchiveJob.Failure.BOOK_GONE)
        return True
    except Exception:
        # Left to the lease: taken again once it runs out, up to MAX_ATTEMPTS.
        logger.exception("event=archive_join_error job=%s attempt=%d", job.public_id, job.attempts)
        return False
    _finish(job, state=State.DONE, archive=archive)
    logger.info(
        "event=archive_joined job=%s connections=%d matched=%d",
        job.public_id, archive.connection_count, archive.matched,
    )  # fmt: skip
    return True


def _snapshot_read(job: ArchiveJob, *, now: datetime) -> list | None:
    """Read the rest of the member's snapshot; return its rows stored for the join, or None
    when the job was put off until LinkedIn's `Retry-After` or failed.
    """
    ArchiveJob.objects.filter(pk=job.pk).update(state=State.FETCHING)
    token = crypto.decrypt(job.access_token)
    records, start, pages = list(job.rows or ()), job.fetch_start, 0
    while start is not None:
        pages += 1
        try:
            if pages > MAX_SNAPSHOT_PAGES:
                raise ArchiveRefused("too many pages")
            page = portability.snapshot_page(access_token=token, start=start)
        except portability.SnapshotRateLimited as limited:
            # Waiting is not a failed attempt: the job comes back when LinkedIn says.
            ArchiveJob.objects.filter(pk=job.pk).update(
                rows=records,
                fetch_start=start,
                attempts=F("attempts") - 1,
                lease_until=timezone.now() + timedelta(seconds=limited.retry_after),
            )
            logger.info(
                "event=snapshot_rate_limited job=%s retry_after=%d",
                job.public_id,
                limited.retry_after,
            )
            return None
        except portability.SnapshotTokenRejected:
            _finish(job, state=State.FAILED, failure=ArchiveJob.Failure.TOKEN_REJECTED)
            return None
        except portability.SnapshotUnavailable:
            # Kept for the next taking, once the lease runs out.
            ArchiveJob.objects.filter(pk=job.pk).update(rows=records, fetch_start=start)
            raise
        except ArchiveRefused:
            _finish(job, state=State.FAILED, failure=ArchiveJob.Failure.UNREADABLE)
            return None
        records.extend(page.records)
        start = page.next_start
    try:
        rows = connection_records(records)
    except ArchiveRefused:
        _finish(job, state=State.FAILED, failure=ArchiveJob.Failure.UNREADABLE)
        return None
    stored = [_stored(row) for row in rows]
    # The token is not needed past this point: wiped before the join.
    ArchiveJob.objects.filter(pk=job.pk).update(
        state=State.JOINING, rows=stored, access_token="", connection_count=len(rows)
    )
    return stored


def _claim(job_pk: int, *, now: datetime) -> bool:
    lease = timedelta(seconds=settings.ENRICHMENT_JOIN_LEASE_SECONDS)
    return bool(
        ArchiveJob.objects.filter(pk=job_pk, state__in=PENDING, lease_until__lte=now).update(
            lease_until=timezone.now() + lease,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
        )
    )


def _finish(job: ArchiveJob, *, state: str, failure: str = "", archive=None) -> None:
    # The rows go with the join: only the archive's own connections are kept.
    ArchiveJob.objects.filter(pk=job.pk).update(
        state=state,
        failure=failure,
        archive=archive,
        rows=None,
        access_token="",
        finished_at=timezone.now(),
    )


def _stored(row: ConnectionRow) -> list:
    return [*row[:-1], row.connected_on.isoformat() if row.connected_on else None]


def _row(stored: list) -> ConnectionRow:
    *fields, connected_on = stored
    return ConnectionRow(*fields, date.fromisoformat(connected_on) if connected_on else None)
