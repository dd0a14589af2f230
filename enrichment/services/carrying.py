"""The enrichment over time: carried to the member's next address book, and gone with the
book it was joined to once LinkedIn's copy expires (as the book's contacts are).

A new book has no archive of its own; the worker joins the newest archive of the member's
earlier books to it, by the same rules (`storing.archive_join`), a few books a round. An
archive is never kept longer than its book: when the book expires its connections go.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from enrichment.models import Connection, ConnectionArchive
from enrichment.services.archive import ArchiveRefused
from enrichment.services.connections_csv import ConnectionRow
from enrichment.services.storing import archive_join
from exports.models import ExportTask

logger = logging.getLogger(__name__)

BOOKS_PER_ROUND = 5
Status = ExportTask.Status


def archives_carry_due(*, now: datetime, limit: int = BOOKS_PER_ROUND) -> int:
    """Join the member's newest archive to each new held book without one; return how many."""
    earlier_archive = ConnectionArchive.objects.filter(
        owner=OuterRef("owner"), task__requested_at__lt=OuterRef("requested_at")
    )
    due = (
        ExportTask.objects.filter(status=Status.SUCCEEDED, expires_at__gt=now)
        .alias(has_own=Exists(ConnectionArchive.objects.filter(task=OuterRef("pk"))))
        .alias(has_earlier=Exists(earlier_archive))
        .filter(has_own=False, has_earlier=True)
        .order_by("requested_at")[:limit]
    )
    carried = 0
    for task in due:
        carried += archive_carry(task=task, now=now) is not None
    return carried


def archive_carry(*, task: ExportTask, now: datetime) -> ConnectionArchive | None:
    """Join the newest archive of the member's earlier books to `task`; None if none."""
    source = (
        ConnectionArchive.objects.filter(
            owner_id=task.owner_id, task__requested_at__lt=task.requested_at
        )
        .order_by("-task__requested_at", "-uploaded_at")
        .first()
    )
    if source is None:
        return None
    rows = [ConnectionRow(row.row + 1, *values) for row, *values in _connections(source)]
    try:
        archive = archive_join(task=task, rows=rows, file_kind=source.file_kind, now=now)
    except ArchiveRefused:
        return None  # the book went meanwhile
    logger.info("event=archive_carried task=%s from_task=%s", task.public_id, source.task_id)
    return archive


def _connections(source: ConnectionArchive):
    fields = ("first_name", "last_name", "url", "email", "company", "title", "connected_on")
    for connection in Connection.objects.filter(archive=source).order_by("row"):
        yield (connection, *(getattr(connection, name) for name in fields))


def archives_purge_expired(*, now: datetime) -> int:
    """Delete the archives of books past LinkedIn's expiry; return how many."""
    expired = ConnectionArchive.objects.filter(
        Q(task__status=Status.EXPIRED) | Q(task__expires_at__lte=now)
    )
    count = 0
    for archive in expired:
        archive.delete()  # its connections by CASCADE
        count += 1
    return count
