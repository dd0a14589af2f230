"""Retention: what is deleted, and when (LinkedIn's expiry, the per-member limit, on request)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from exports.models import Contact, ExportTask

logger = logging.getLogger(__name__)

Status = ExportTask.Status


@dataclass(frozen=True)
class PurgeReport:
    tasks: int
    contacts: int


def exports_purge_expired(
    *, now: datetime | None = None, batch_size: int = 5000, dry_run: bool = False
) -> PurgeReport:
    """Delete the contacts of every result past LinkedIn's `expiresAt`; mark it EXPIRED.

    Contacts go in batches, each its own transaction, so a huge result never holds one
    long lock; the task row stays as history. Running it again finishes what an
    interrupted run left and otherwise does nothing.
    """
    now = now or timezone.now()
    has_contacts = Exists(Contact.objects.filter(task=OuterRef("pk")))
    expired = (
        ExportTask.objects.alias(has_contacts=has_contacts)
        .filter(expires_at__lte=now)
        .filter(Q(status=Status.SUCCEEDED) | Q(status=Status.EXPIRED, has_contacts=True))
    )
    tasks = contacts = 0
    for task in expired.order_by("expires_at"):
        tasks += 1
        if dry_run:
            contacts += task.contacts.count()
            continue
        # Mark it first: from here on nothing is served, even while rows remain.
        ExportTask.objects.filter(pk=task.pk, status=Status.SUCCEEDED).update(status=Status.EXPIRED)
        contacts += _delete_contacts_in_batches(task, batch_size=batch_size)
        logger.info("event=export_purged export=%s", task.public_id)
    return PurgeReport(tasks=tasks, contacts=contacts)


def _delete_contacts_in_batches(task: ExportTask, *, batch_size: int) -> int:
    deleted = 0
    while True:
        batch = list(task.contacts.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        deleted += Contact.objects.filter(pk__in=batch).delete()[0]


def export_delete(*, task: ExportTask) -> None:
    """Delete the export and everything stored for it, at once.

    Its contacts, and anything else that references the export, go with it by CASCADE.
    """
    public_id = task.public_id
    task.delete()
    logger.info("event=export_deleted export=%s", public_id)


def address_books_trim(*, owner_id: int) -> int:
    """Delete the member's oldest address books beyond `EXPORT_KEEP_PER_MEMBER`; return how many.

    Only ready address books count: failed and expired exports hold no contacts.
    """
    keep = settings.EXPORT_KEEP_PER_MEMBER
    if keep <= 0:
        return 0
    ready = ExportTask.objects.filter(owner_id=owner_id, status=Status.SUCCEEDED)
    surplus = ready.order_by("-requested_at", "-pk")[keep:]
    trimmed = 0
    for task in list(surplus):
        export_delete(task=task)
        trimmed += 1
    return trimmed


def member_data_delete(*, user: AbstractBaseUser) -> None:
    """Delete everything held about the member: exports, contacts, token, account, user.

    The user's row goes last, and everything that references it goes with it by CASCADE.
    """
    user_id = user.pk
    with transaction.atomic():
        # Exports first and explicitly: their contacts are the bulk of what is held.
        for task in ExportTask.objects.filter(owner=user):
            export_delete(task=task)
        user.delete()
    logger.info("event=member_deleted user=%s", user_id)
