"""The join of an uploaded archive, queued for the worker and taken under a lease.

The upload request parses the file (bounded by the upload's limits) and queues its rows
(`archive_queue`); the file itself is never kept. The worker takes due jobs one at a time
(`archive_jobs_join_due`): it wins a job by moving its lease ahead in one conditional
UPDATE, as the export's poller does, so two workers never join the same job, and a worker
that dies mid-join (its transaction rolled back) leaves the job to be taken again when the
lease runs out. After `MAX_ATTEMPTS` takings the job fails, with its reason kept as a code.
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

from enrichment.models import ArchiveJob
from enrichment.services.archive import ArchiveRefused
from enrichment.services.connections_csv import ConnectionRow
from enrichment.services.storing import archive_join
from exports.models import ExportTask

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
JOBS_PER_ROUND = 3
State = ArchiveJob.State


def archive_queue(
    *, task: ExportTask, rows: list[ConnectionRow], file_kind: str, now: datetime | None = None
) -> ArchiveJob:
    """Queue `rows` to be joined to the task's book by the worker; return the job.

    Raise `ArchiveRefused` when a join of this book is already queued or under way.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return ArchiveJob.objects.create(
                owner_id=task.owner_id,
                task=task,
                created_at=now,
                file_kind=file_kind,
                connection_count=len(rows),
                rows=[_stored(row) for row in rows],
                lease_until=now,
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
    due = ArchiveJob.objects.filter(
        state__in=(State.QUEUED, State.JOINING), lease_until__lte=now
    ).order_by("lease_until", "pk")
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


def _claim(job_pk: int, *, now: datetime) -> bool:
    lease = timedelta(seconds=settings.ENRICHMENT_JOIN_LEASE_SECONDS)
    return bool(
        ArchiveJob.objects.filter(
            pk=job_pk, state__in=(State.QUEUED, State.JOINING), lease_until__lte=now
        ).update(
            state=State.JOINING,
            lease_until=timezone.now() + lease,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
        )
    )


def _finish(job: ArchiveJob, *, state: str, failure: str = "", archive=None) -> None:
    # The rows go with the join: only the archive's own connections are kept.
    ArchiveJob.objects.filter(pk=job.pk).update(
        state=state, failure=failure, archive=archive, rows=None, finished_at=timezone.now()
    )


def _stored(row: ConnectionRow) -> list:
    return [*row[:-1], row.connected_on.isoformat() if row.connected_on else None]


def _row(stored: list) -> ConnectionRow:
    *fields, connected_on = stored
    return ConnectionRow(*fields, date.fromisoformat(connected_on) if connected_on else None)
