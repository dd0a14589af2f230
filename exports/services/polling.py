"""The polling state machine of an export: start it, refresh it, and its lease.

Only the caller that wins the database lease talks to LinkedIn, so any number of requests
and workers may refresh the same task at once and LinkedIn is still called once a poll
interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from contactsapp.accounts import account_token_forget
from exports import linkedin_api
from exports.collation import collation_for
from exports.models import ExportTask
from exports.notices import Notice, no_note
from exports.services.ingest import contacts_ingest
from exports.services.status import export_finish, export_update_in_progress
from exports.spacing import export_wait_seconds
from operations import metrics

logger = logging.getLogger(__name__)

Status = ExportTask.Status


class SignInRequired(Exception):
    """The member has no usable LinkedIn token: they must sign in (again)."""


class ExportTooSoon(Exception):
    """The member's last export is younger than `EXPORT_MIN_SPACING`."""

    def __init__(self, *, wait_seconds: int):
        super().__init__(f"Wait {wait_seconds} s before the next export.")
        self.wait_seconds = wait_seconds


def export_start(
    *, user: AbstractBaseUser, now: datetime | None = None, language: str | None = None
) -> tuple[ExportTask, bool]:
    """Start an export for `user`, or find the one already in progress.

    The book is sorted in the alphabetical order of `language` (the member's, as the page
    that started it was shown), else of the language saved on their account.

    Return the task and whether it was started now (as `get_or_create` does). Raise
    `SignInRequired` without a usable token, and `ExportTooSoon` when the member's last
    export (one in progress aside, which is returned) is younger than the spacing.
    """
    now = now or timezone.now()
    account = getattr(user, "linkedin_account", None)
    if account is None or not account.has_usable_token:
        raise SignInRequired
    # The latest export that did not fail: one in progress is returned as it is, any other
    # spaces the next. A failed one produced nothing, so trying again at once is fair.
    latest = (
        ExportTask.objects.filter(owner=user)
        .exclude(status=Status.FAILED)
        .order_by("-requested_at")
        .first()
    )
    if latest is not None and latest.status == Status.IN_PROGRESS:
        return latest, False
    if latest is not None:
        # Spacing spares LinkedIn's daily limits and keeps a member from piling up copies;
        # the home page reads the same rule to make its button wait.
        wait = export_wait_seconds(exports=[latest], now=now)
        if wait:
            raise ExportTooSoon(wait_seconds=wait)
    try:
        with transaction.atomic():
            # The creator holds the polling lease while it asks LinkedIn to start, so a
            # status poll arriving meanwhile cannot start a second LinkedIn task.
            task = ExportTask.objects.create(
                owner=user,
                requested_at=now,
                next_check_at=now + _call_lease(),
                collation=collation_for(language or getattr(account, "language", "")),
            )
    except IntegrityError:
        # One export in progress per member (a double click, or a second tab).
        return ExportTask.objects.get(owner=user, status=Status.IN_PROGRESS), False
    logger.info("event=export_requested export=%s", task.public_id)
    metrics.EXPORTS_STARTED.inc()
    _call_linkedin(task, now=now)
    return task, True


def export_refresh(*, task: ExportTask, now: datetime | None = None) -> ExportTask:
    """Bring `task` up to date with LinkedIn, calling it at most once per poll interval.

    Safe to call from any number of requests and workers at once: only the caller that
    wins the database lease talks to LinkedIn; the others get the task as it stands.
    """
    _export_check(task=task, now=now or timezone.now(), reread=True)
    return task


def _export_check(*, task: ExportTask, now: datetime, reread: bool) -> bool:
    """`export_refresh`'s work; return whether this call checked `task` with LinkedIn.

    With `reread`, a task another caller is checking is read again, as it stands.
    """
    if task.status != Status.IN_PROGRESS:
        return False
    if now - task.requested_at > timedelta(seconds=settings.EXPORT_TIMEOUT):
        export_finish(task=task, status=Status.FAILED, now=now, **_gave_up(task).failure_fields())
        return False
    if task.next_check_at > now:
        # Not due: as fresh as our read of it, and no write needed. Most polls end here,
        # so they read neither the member's account nor anything else.
        return False
    if not task.owner.linkedin_account.has_usable_token:
        if not task.needs_sign_in:
            export_update_in_progress(task=task, needs_sign_in=True)
        return False
    if not _claim(task, now=now):
        if reread:
            task.refresh_from_db()  # another request or worker is calling LinkedIn
        return False
    _call_linkedin(task, now=now)
    return True


def exports_refresh_due(
    *, now: datetime | None = None, limit: int = 100, stop: Callable[[], bool] = lambda: False
) -> int:
    """Refresh every in-progress task whose next check is due; return how many were
    checked with LinkedIn (a task waiting for its member to sign in is not).

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
        try:
            # A task another worker took is left as read: the round has no more to do with it.
            count += _export_check(task=task, now=now, reread=False)
        except ExportTask.DoesNotExist:
            continue  # its member deleted it meanwhile
    return count


def exports_overdue_since(*, now: datetime) -> datetime | None:
    """Return when the export longest due became due, or None if none is due."""
    return ExportTask.objects.filter(status=Status.IN_PROGRESS, next_check_at__lte=now).aggregate(
        since=Min("next_check_at")
    )["since"]


def exports_next_check_after(*, now: datetime) -> datetime | None:
    """Return the earliest next check of an export under way after `now`, or None."""
    return ExportTask.objects.filter(status=Status.IN_PROGRESS, next_check_at__gt=now).aggregate(
        at=Min("next_check_at")
    )["at"]


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
            export_finish(
                task=task,
                status=Status.FAILED,
                now=now,
                **Notice("linkedin_failed").failure_fields(),
            )
        else:
            contacts_ingest(task=task, result=response.result, now=now)
    except linkedin_api.TokenRejected:
        account_token_forget(account=account)
        export_update_in_progress(task=task, needs_sign_in=True, next_check_at=timezone.now())
    except linkedin_api.Unavailable as error:  # an address book of the wrong shape too
        _checked_with_error(task, error)
    except linkedin_api.PermissionMissing as error:
        export_finish(
            task=task,
            status=Status.FAILED,
            now=now,
            **error.notice.failure_fields(),
            failure_kind=ExportTask.FailureKind.PERMISSION,
        )
    except linkedin_api.LinkedInAPIError as error:
        export_finish(task=task, status=Status.FAILED, now=now, **error.notice.failure_fields())


def _gave_up(task: ExportTask) -> Notice:
    """Why a task that ran out of time failed: what its last try met, if it met anything."""
    if task.note_code:
        return Notice(
            "gave_up_waiting_after",
            {"problem": Notice(task.note_code, task.note_params).as_param()},
        )
    if task.note:  # held up before notes had codes
        return Notice("gave_up_waiting_after", {"problem": Notice.text(task.note).as_param()})
    return Notice("gave_up_waiting")


def _checked_ok(task: ExportTask, **fields: Any) -> None:
    export_update_in_progress(
        task=task,
        **no_note(),
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
    problem = getattr(error, "notice", None) or Notice.text(str(error))
    retrying = Notice("retrying", {"problem": problem.as_param(), "seconds": round(delay)})
    logger.warning("event=export_check_failed export=%s errors=%d", task.public_id, errors)
    export_update_in_progress(
        task=task,
        **retrying.note_fields(),
        needs_sign_in=False,
        consecutive_errors=errors,
        next_check_at=timezone.now() + timedelta(seconds=delay),
    )
