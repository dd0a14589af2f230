"""The domain steps of an export: start, refresh, ingest, purge.

Views and management commands call these and hold no rules of their own. Every change
of an `ExportTask` is a conditional UPDATE on its current status, so two processes
acting on the same task can never both win.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from contactsapp import metrics
from contactsapp.models import LinkedInAccount
from exports import linkedin_api
from exports.bulk_insert import insert_rows, refresh_planner_statistics
from exports.models import Contact, ExportTask

logger = logging.getLogger(__name__)

Status = ExportTask.Status


class SignInRequired(Exception):
    """The member has no usable LinkedIn token: they must sign in (again)."""


class InvalidAddressBook(ValueError):
    """LinkedIn's result does not have the shape of an address book."""


# --- start --------------------------------------------------------------------------------


def export_start(*, user: AbstractBaseUser, now: datetime | None = None) -> tuple[ExportTask, bool]:
    """Start an export for `user`, or find the one already in progress.

    Return the task and whether it was started now (as `get_or_create` does).
    """
    now = now or timezone.now()
    account = getattr(user, "linkedin_account", None)
    if account is None or not account.has_usable_token:
        raise SignInRequired
    try:
        with transaction.atomic():
            # The creator holds the polling lease while it asks LinkedIn to start, so a
            # status poll arriving meanwhile cannot start a second LinkedIn task.
            task = ExportTask.objects.create(
                owner=user, requested_at=now, next_check_at=now + _call_lease()
            )
    except IntegrityError:
        # One export in progress per member (a double click, or a second tab).
        return ExportTask.objects.get(owner=user, status=Status.IN_PROGRESS), False
    logger.info("event=export_requested export=%s", task.public_id)
    metrics.EXPORTS_STARTED.inc()
    _call_linkedin(task, now=now)
    return task, True


# --- refresh ------------------------------------------------------------------------------


def export_refresh(*, task: ExportTask, now: datetime | None = None) -> ExportTask:
    """Bring `task` up to date with LinkedIn, calling it at most once per poll interval.

    Safe to call from any number of requests and workers at once: only the caller that
    wins the database lease talks to LinkedIn; the others get the task as it stands.
    """
    now = now or timezone.now()
    if task.status != Status.IN_PROGRESS:
        return task
    if now - task.requested_at > timedelta(seconds=settings.EXPORT_TIMEOUT):
        reason = task.note or "LinkedIn did not finish generating your address book."
        _finish(task, Status.FAILED, now=now, failure_reason=f"Gave up waiting. {reason}")
        return task
    account = task.owner.linkedin_account
    if not account.has_usable_token:
        if not task.needs_sign_in:
            _update_in_progress(task, needs_sign_in=True)
        return task
    if task.next_check_at > now:
        return task  # not due: as fresh as our read of it, and no write needed
    if not _claim(task, now=now):
        task.refresh_from_db()  # another request or worker is calling LinkedIn
        return task
    _call_linkedin(task, now=now)
    return task


def exports_refresh_due(
    *, now: datetime | None = None, limit: int = 100, stop: Callable[[], bool] = lambda: False
) -> int:
    """Refresh every in-progress task whose next check is due; return how many.

    `stop` is asked before each task, so a worker told to stop leaves no task half-done.
    """
    now = now or timezone.now()
    due = (
        ExportTask.objects.filter(status=Status.IN_PROGRESS, next_check_at__lte=now)
        .select_related("owner__linkedin_account")
        .order_by("next_check_at")[:limit]
    )
    count = 0
    for task in due:
        if stop():
            break
        export_refresh(task=task, now=now)
        count += 1
    return count


def _call_lease() -> timedelta:
    # Long enough to cover one complete call to LinkedIn, including reading the body.
    return timedelta(seconds=max(settings.EXPORT_POLL_INTERVAL, settings.LINKEDIN_TIMEOUT * 4))


def _claim(task: ExportTask, *, now: datetime) -> bool:
    """Take the lease to call LinkedIn for `task`; False if someone else has it."""
    won = ExportTask.objects.filter(
        pk=task.pk, status=Status.IN_PROGRESS, next_check_at__lte=now
    ).update(next_check_at=now + _call_lease(), last_checked_at=now)
    return won == 1


def _call_linkedin(task: ExportTask, *, now: datetime) -> None:
    """Make the one call to LinkedIn this lease allows, and record what it said."""
    account = task.owner.linkedin_account
    try:
        if not task.linkedin_task_id:
            linkedin_id = linkedin_api.start_export(access_token=account.access_token)
            _checked_ok(task, linkedin_task_id=linkedin_id)
            logger.info("event=export_started export=%s", task.public_id)
            return
        response = linkedin_api.fetch_export(
            access_token=account.access_token, task_id=task.linkedin_task_id
        )
        if response.status == "IN_PROGRESS":
            _checked_ok(task)
        elif response.status == "FAILED":
            _finish(
                task,
                Status.FAILED,
                now=now,
                failure_reason="LinkedIn could not generate your address book this time.",
            )
        else:
            contacts_ingest(task=task, result=response.result, now=now)
    except linkedin_api.TokenRejected:
        # Forget the dead token, unless the member has signed in again meanwhile.
        LinkedInAccount.objects.filter(
            pk=account.pk, encrypted_access_token=account.encrypted_access_token
        ).update(encrypted_access_token="", token_expires_at=None)
        _update_in_progress(task, needs_sign_in=True, next_check_at=timezone.now())
    except (linkedin_api.Unavailable, InvalidAddressBook) as error:
        _checked_with_error(task, error)
    except linkedin_api.LinkedInAPIError as error:
        _finish(task, Status.FAILED, now=now, failure_reason=error.message)


def _checked_ok(task: ExportTask, **fields: Any) -> None:
    _update_in_progress(
        task,
        note="",
        needs_sign_in=False,
        consecutive_errors=0,
        next_check_at=timezone.now() + timedelta(seconds=settings.EXPORT_POLL_INTERVAL),
        **fields,
    )


def _checked_with_error(task: ExportTask, error: Exception) -> None:
    errors = task.consecutive_errors + 1
    delay = min(settings.EXPORT_MAX_BACKOFF, settings.EXPORT_POLL_INTERVAL * 2 ** (errors - 1))
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        delay = max(delay, retry_after)
    message = getattr(error, "message", str(error))
    logger.warning("event=export_check_failed export=%s errors=%d", task.public_id, errors)
    _update_in_progress(
        task,
        note=f"{message} We will try again in {round(delay)} s.",
        needs_sign_in=False,
        consecutive_errors=errors,
        next_check_at=timezone.now() + timedelta(seconds=delay),
    )


def _update_in_progress(task: ExportTask, **fields: Any) -> bool:
    """Write `fields` only if the task is still in progress; keep `task` in step."""
    updated = ExportTask.objects.filter(pk=task.pk, status=Status.IN_PROGRESS).update(**fields)
    if updated:
        for name, value in fields.items():
            setattr(task, name, value)
    else:
        task.refresh_from_db()
    return bool(updated)


def _finish(task: ExportTask, status: str, *, now: datetime, **fields: Any) -> bool:
    finished = _update_in_progress(
        task, status=status, finished_at=now, note="", needs_sign_in=False, **fields
    )
    if finished:
        logger.info("event=export_finished export=%s status=%s", task.public_id, status)
        metrics.export_finished(status)
    return finished


# --- ingest -------------------------------------------------------------------------------


def contacts_ingest(
    *, task: ExportTask, result: linkedin_api.ExportResult, now: datetime | None = None
) -> ExportTask:
    """Store every contact of LinkedIn's `result~` exactly once, all or nothing.

    Raise `InvalidAddressBook` or `linkedin_api.Unavailable` (and store nothing) if the
    result is malformed.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    expires_at = _expires_at(result.expires_at())
    with transaction.atomic():
        # Lock the task so two racing ingests are serialised; the loser sees it finished.
        locked = ExportTask.objects.select_for_update().get(pk=task.pk)
        if locked.status != Status.IN_PROGRESS:
            task.refresh_from_db()
            return task
        if expires_at <= now:
            _finish(task, Status.EXPIRED, now=now, expires_at=expires_at)
            return task
        # Rows are validated as they stream into the database; a bad one half-way raises
        # and the transaction takes the rows before it back out.
        totals = _ContactTotals()
        rows = _contact_rows(task, result.contacts())
        insert_rows(Contact, CONTACT_COLUMNS, totals.counted(rows))
        _finish(
            task,
            Status.SUCCEEDED,
            now=now,
            expires_at=expires_at,
            contact_count=totals.contacts,
            with_email_count=totals.with_email,
            with_phone_count=totals.with_phone,
            consecutive_errors=0,
        )
    if totals.contacts >= LARGE_ADDRESS_BOOK:
        # Without fresh row counts PostgreSQL sorts the whole book for each search page
        # instead of walking it in LinkedIn's order.
        refresh_planner_statistics(Contact, ["task", "position"])
    logger.info("event=export_ingested export=%s contacts=%d", task.public_id, totals.contacts)
    metrics.ingest_recorded(seconds=time.perf_counter() - started, contacts=totals.contacts)
    return task


LARGE_ADDRESS_BOOK = 5000
CONTACT_COLUMNS = ("task", "position", "name", "email", "phone", "search_text", "raw")


@dataclass
class _ContactTotals:
    contacts: int = 0
    with_email: int = 0
    with_phone: int = 0

    def counted(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        for row in rows:
            self.contacts += 1
            self.with_email += bool(row[3])
            self.with_phone += bool(row[4])
            yield row


def _expires_at(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAddressBook("LinkedIn's address book did not say when it expires.")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise InvalidAddressBook("LinkedIn's address book has an impossible expiry.") from error


def _contact_rows(task: ExportTask, entries: Iterator[object]) -> Iterator[tuple]:
    """Yield one row per contact, in `CONTACT_COLUMNS` order; raise on a non-contact."""
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidAddressBook(f"Contact {position + 1} from LinkedIn is not a contact.")
        raw = json.dumps(entry, ensure_ascii=False)
        if "\\u0000" in raw:  # PostgreSQL cannot store NUL in text or JSON
            entry = _without_nul(entry)
            raw = json.dumps(entry, ensure_ascii=False)
        name = _text(entry.get("name"))
        email = _text(entry.get("emailAddress"))
        phone = entry.get("phoneNumber")
        phone = _text(phone.get("number") if isinstance(phone, dict) else phone)
        search_text = f"{name}\n{email}\n{phone}".lower()
        yield (task.pk, position, name, email, phone, search_text, raw)


def _without_nul(value: Any) -> Any:
    """Return `value` without NUL characters, at any depth."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _text(value: Any) -> str:
    """Return a field as text: LinkedIn's contacts are free text from many sources."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).replace("\x00", "").strip()


# --- purge --------------------------------------------------------------------------------


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
