"""Keeping a member's address book current by itself: the domain steps.

A member turns it on (`refresh_enable`) or off (`refresh_disable`). The worker calls
`refreshes_start_due` every round: it takes the members whose `wake_at` has come, one
lease each (a conditional UPDATE, so two workers never handle one member at once), and
for each one follows up the automatic export under way, renews or reminds about their
LinkedIn token, and starts the next export through `exports.services.export_start` (which
keeps one export in flight per member with its own constraint) once it is due and the
day's LinkedIn budget allows it. A 401 or 403 stops it for the member, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contactsapp import linkedin_auth
from contactsapp.models import LinkedInAccount
from exports import services as export_services
from exports.models import ExportComparison, ExportTask
from mail import services as mail_services
from refresh import metrics, schedule
from refresh.models import RefreshBudgetDay, RefreshSubscription

logger = logging.getLogger(__name__)

Outcome = RefreshSubscription.Outcome
StopReason = RefreshSubscription.StopReason
Status = ExportTask.Status

# A renewal LinkedIn could not answer is tried again this much later.
TOKEN_RETRY = timedelta(minutes=15)


def _lease() -> timedelta:
    # Covers a member's whole visit: a token renewal and the call that starts an export,
    # each at most a few timeouts long (connecting, then reading the answer).
    return timedelta(seconds=settings.LINKEDIN_TIMEOUT * 6)


def _follow_up_after() -> timedelta:
    # How soon an automatic export under way is looked at again: about as often as the
    # export worker checks it with LinkedIn, which is what can change it.
    return timedelta(seconds=max(5.0, settings.EXPORT_POLL_INTERVAL))


# --- the member's switch ------------------------------------------------------------------


def refresh_enable(*, user: AbstractBaseUser, now: datetime | None = None) -> RefreshSubscription:
    """Turn automatic refresh on (again, after a stop); queue the confirmation e-mail.

    The worker's next round works out when the first refresh is due.
    """
    now = now or timezone.now()
    RefreshSubscription.objects.get_or_create(user=user)
    with transaction.atomic():
        subscription = RefreshSubscription.objects.select_for_update().get(user=user)
        was_running = subscription.is_running
        subscription.enabled = True
        subscription.stopped_reason = StopReason.NONE
        subscription.stopped_at = None
        subscription.consecutive_failures = 0
        subscription.wake_at = now
        if not was_running:
            subscription.enabled_at = now
            subscription.refresh_due_at = _refresh_due(user=user, now=now)
        subscription.save()
        if not was_running:
            mail_services.refresh_confirmation_queue(user=user, now=now)
    logger.info("event=refresh_enabled user=%s", user.pk)
    return subscription


def refresh_disable(*, user: AbstractBaseUser) -> None:
    """Turn automatic refresh off: no export is started for the member from now on."""
    RefreshSubscription.objects.filter(user=user).update(
        enabled=False, wake_at=None, refresh_due_at=None
    )
    logger.info("event=refresh_disabled user=%s", user.pk)


def refresh_stop(*, user: AbstractBaseUser, reason: str, now: datetime | None = None) -> bool:
    """Stop automatic refresh for the member, saying why (e.g. they signed out everywhere).

    It stays switched on, so the home page can say why it stopped; turning it on again
    restarts it. Return whether it was running.
    """
    stopped = RefreshSubscription.objects.filter(user=user, enabled=True, stopped_reason="").update(
        **_stopped_fields(reason, now or timezone.now())
    )
    if stopped:
        metrics.REFRESHES_STOPPED.labels(reason=reason).inc()
        logger.info("event=refresh_stopped user=%s reason=%s", user.pk, reason)
    return bool(stopped)


def _stopped_fields(reason: str, now: datetime) -> dict[str, Any]:
    return {"stopped_reason": reason, "stopped_at": now, "wake_at": None, "refresh_due_at": None}


# --- the worker's round -------------------------------------------------------------------


def refreshes_start_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Handle every member whose `wake_at` has come (up to `limit`); return how many.

    Each member is taken with a lease, so any number of workers may run this at once.
    """
    now = now or timezone.now()
    due = list(
        RefreshSubscription.objects.filter(wake_at__lte=now)
        .order_by("wake_at")
        .values_list("pk", "wake_at")[:limit]
    )
    handled = 0
    for pk, wake_at in due:
        lease_until = now + _lease()
        won = RefreshSubscription.objects.filter(pk=pk, wake_at=wake_at).update(wake_at=lease_until)
        if not won:
            continue  # another worker has this member
        _member_visit(pk, now=now, lease_until=lease_until)
        metrics.MEMBERS_HANDLED.inc()
        handled += 1
    return handled


@dataclass
class _Visit:
    """What one visit of a member decides, written at its end in one conditional UPDATE."""

    subscription: RefreshSubscription
    now: datetime
    lease_until: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    wakes: list[datetime] = field(default_factory=list)
    stop_reason: str = ""
    # E-mails to queue in the same transaction as the write that decides them, so each
    # is queued exactly once, even if the worker dies right after.
    mails: list[Callable[[], None]] = field(default_factory=list)
    finished: str = ""

    @property
    def user(self) -> AbstractBaseUser:
        return self.subscription.user

    def stop(self, reason: str) -> None:
        self.stop_reason = reason

    def outcome(self, outcome: str, detail: str = "") -> None:
        self.fields.update(
            last_outcome=outcome, last_outcome_at=self.now, last_outcome_detail=detail[:500]
        )


def _member_visit(pk: int, *, now: datetime, lease_until: datetime) -> None:
    subscription = (
        RefreshSubscription.objects.select_related("user__linkedin_account").filter(pk=pk).first()
    )
    if subscription is None:
        return  # the member deleted their data meanwhile
    visit = _Visit(subscription=subscription, now=now, lease_until=lease_until)
    if subscription.is_running:
        busy = _follow_up(visit)
        if not visit.stop_reason:
            _token_step(visit)
        if not visit.stop_reason and not busy:
            _refresh_step(visit)
    _visit_write(visit, pk=pk, lease_until=lease_until)


def _visit_write(visit: _Visit, *, pk: int, lease_until: datetime) -> None:
    fields = dict(visit.fields)
    if visit.stop_reason:
        fields.update(_stopped_fields(visit.stop_reason, visit.now))
    elif visit.subscription.is_running:
        fields["wake_at"] = min(visit.wakes) if visit.wakes else None
    else:
        fields["wake_at"] = None
    with transaction.atomic():
        # Only while our lease holds and the member has not turned it off meanwhile.
        written = RefreshSubscription.objects.filter(
            pk=pk, wake_at=lease_until, enabled=True
        ).update(**fields)
        if not written:
            return
        for queue in visit.mails:
            queue()
    if visit.stop_reason:
        metrics.REFRESHES_STOPPED.labels(reason=visit.stop_reason).inc()
        logger.info("event=refresh_stopped user=%s reason=%s", visit.user.pk, visit.stop_reason)
    if visit.finished:
        metrics.REFRESHES_FINISHED.labels(outcome=visit.finished).inc()


# --- following up the automatic export ------------------------------------------------------


def _follow_up(visit: _Visit) -> bool:
    """Record how the automatic export under way ended; return True while it runs."""
    subscription = visit.subscription
    if subscription.last_outcome not in (Outcome.STARTED, Outcome.THROTTLED):
        return False
    if subscription.last_export_id is None:
        # A worker died while starting it: the export, if it got as far, was requested at
        # the moment recorded before the start, and is this member's automatic one.
        task = ExportTask.objects.filter(
            owner=visit.user, requested_at=subscription.last_started_at
        ).first()
        if task is not None:
            visit.fields["last_export"] = task
    else:
        task = ExportTask.objects.filter(pk=subscription.last_export_id).first()
    if task is None:  # never created, or the member deleted it
        visit.outcome(Outcome.NONE)
        return False
    return _export_seen(visit, task)


def _export_seen(visit: _Visit, task: ExportTask) -> bool:
    """Take in the state of the member's automatic export; return True while it runs."""
    if task.status == Status.IN_PROGRESS:
        if task.needs_sign_in:
            visit.stop(StopReason.SIGN_IN)  # LinkedIn answered 401: the token is forgotten
        elif not task.linkedin_task_id and task.consecutive_errors:
            # LinkedIn did not start it yet (a 429 and its Retry-After, or an outage): the
            # export waits as long as LinkedIn asked, and so does this member's refresh.
            if visit.subscription.last_outcome != Outcome.THROTTLED:
                metrics.REFRESHES_DEFERRED.labels(reason="throttled").inc()
            visit.outcome(Outcome.THROTTLED, task.note)
            retry_at = max(task.next_check_at, visit.now)
            visit.fields["refresh_due_at"] = retry_at
            visit.wakes.append(retry_at + _follow_up_after())
        else:
            if visit.subscription.last_outcome == Outcome.THROTTLED:
                visit.outcome(Outcome.STARTED)  # LinkedIn has started it now
                visit.fields["refresh_due_at"] = None
            visit.wakes.append(visit.now + _follow_up_after())
        return True
    if task.status == Status.FAILED:
        if task.failure_kind == ExportTask.FailureKind.PERMISSION:
            visit.stop(StopReason.PERMISSION)
        visit.outcome(Outcome.FAILED, task.failure_reason)
        visit.fields["consecutive_failures"] = F("consecutive_failures") + 1
        visit.subscription.consecutive_failures += 1
        visit.finished = "failed"
        return False
    visit.outcome(Outcome.SUCCEEDED)
    visit.fields["consecutive_failures"] = 0
    visit.subscription.consecutive_failures = 0
    visit.finished = "succeeded"
    comparison = ExportComparison.objects.filter(task=task).first()
    if comparison is not None:
        user, now = visit.user, visit.now
        visit.mails.append(
            lambda: mail_services.digest_queue(user=user, comparison=comparison, now=now)
        )
    return False


# --- the member's LinkedIn token ----------------------------------------------------------


def _token_step(visit: _Visit) -> None:
    """Renew the token ahead of its end where we can; otherwise remind the member."""
    account: LinkedInAccount | None = getattr(visit.user, "linkedin_account", None)
    if account is None or not account.encrypted_access_token:
        visit.stop(StopReason.SIGN_IN)  # forgotten after LinkedIn refused it
        return
    ends = account.token_expires_at
    if ends is None:
        return
    now = visit.now
    if account.encrypted_refresh_token:
        renew_at = ends - timedelta(seconds=settings.TOKEN_RENEW_AHEAD)
        if now < renew_at:
            visit.wakes.append(renew_at)
            return
        renewed = token_renew(account=account)
        if renewed is True:
            visit.wakes.append(
                account.token_expires_at - timedelta(seconds=settings.TOKEN_RENEW_AHEAD)
                if account.token_expires_at
                else now + TOKEN_RETRY
            )
            return
        if renewed is None:  # LinkedIn could not be reached: try again soon
            visit.wakes.append(now + TOKEN_RETRY)
            if now < ends:
                return
        # Refused (the refresh token is forgotten): the member is reminded as without one.
    _token_reminders(visit, ends=ends)


def _token_reminders(visit: _Visit, *, ends: datetime) -> None:
    subscription, now, user = visit.subscription, visit.now, visit.user
    if now >= ends:
        if subscription.reminded_ended_for != ends:
            visit.fields["reminded_ended_for"] = ends
            visit.mails.append(lambda: _reminder_queue(user=user, kind="ended", now=now))
        visit.stop(StopReason.TOKEN_ENDED)
        return
    remind_at = ends - timedelta(seconds=settings.TOKEN_REMINDER_AHEAD)
    if now < remind_at:
        visit.wakes.append(remind_at)
        return
    if subscription.reminded_ending_for != ends:
        visit.fields["reminded_ending_for"] = ends
        visit.mails.append(lambda: _reminder_queue(user=user, kind="ending_soon", now=now))
    visit.wakes.append(ends)


def _reminder_queue(*, user: AbstractBaseUser, kind: str, now: datetime) -> None:
    mail_services.token_reminder_queue(user=user, kind=kind, now=now)
    metrics.TOKEN_REMINDERS.labels(kind=kind).inc()


def token_renew(*, account: LinkedInAccount) -> bool | None:
    """Renew the member's access token with their refresh token and store it.

    Return True when renewed, False when LinkedIn refused the refresh token (it is then
    forgotten: the member must sign in again), None when LinkedIn could not be reached.
    """
    try:
        renewed = linkedin_auth.access_token_renew(
            refresh_token=account.refresh_token, scopes=account.granted_scopes
        )
    except linkedin_auth.TokenRenewalError as error:
        if error.retryable:
            metrics.TOKEN_RENEWALS.labels(outcome="unavailable").inc()
            return None
        metrics.TOKEN_RENEWALS.labels(outcome="refused").inc()
        # Forget it, unless the member signed in again meanwhile and brought another.
        LinkedInAccount.objects.filter(
            pk=account.pk, encrypted_refresh_token=account.encrypted_refresh_token
        ).update(encrypted_refresh_token="", refresh_token_expires_at=None)
        account.encrypted_refresh_token = ""
        return False
    account.set_access_token(
        renewed.access_token, expires_at=renewed.token_expires_at, scopes=renewed.scopes
    )
    update_fields = [
        "encrypted_access_token",
        "token_expires_at",
        "granted_scopes",
        "token_updated_at",
    ]
    if renewed.refresh_token:
        account.set_refresh_token(
            renewed.refresh_token, expires_at=renewed.refresh_token_expires_at
        )
        update_fields += ["encrypted_refresh_token", "refresh_token_expires_at"]
    account.save(update_fields=update_fields)
    metrics.TOKEN_RENEWALS.labels(outcome="ok").inc()
    logger.info("event=token_renewed user=%s", account.user_id)
    return True


# --- starting the next export -------------------------------------------------------------


def _refresh_due(*, user: AbstractBaseUser, now: datetime) -> datetime:
    newest = (
        ExportTask.objects.filter(owner=user)
        .exclude(status=Status.FAILED)
        .order_by("-requested_at")
        .only("requested_at", "expires_at")
        .first()
    )
    return schedule.refresh_due(
        user_id=user.pk,
        newest_requested_at=newest.requested_at if newest else None,
        newest_expires_at=newest.expires_at if newest else None,
        now=now,
        interval=settings.AUTO_REFRESH_INTERVAL,
        margin=settings.AUTO_REFRESH_MARGIN,
        jitter=settings.AUTO_REFRESH_JITTER,
        min_spacing=settings.EXPORT_MIN_SPACING,
    )


def _failure_pause(failures: int) -> timedelta:
    # After failed automatic exports: an hour at the daily default, doubling, at most a day.
    interval = settings.AUTO_REFRESH_INTERVAL
    return timedelta(seconds=min(interval, interval / 24 * 2 ** (failures - 1)))


def _refresh_step(visit: _Visit) -> None:
    subscription, now, user = visit.subscription, visit.now, visit.user
    due = _refresh_due(user=user, now=now)
    if subscription.consecutive_failures and subscription.last_outcome_at:
        due = max(due, subscription.last_outcome_at + _failure_pause(
            subscription.consecutive_failures
        ))  # fmt: skip
    if due > now:
        visit.fields["refresh_due_at"] = due
        visit.wakes.append(due)
        return
    budget_next = _budget_reserve(now=now, user_id=user.pk)
    if budget_next is not None:
        if subscription.last_outcome != Outcome.BUDGET:
            metrics.REFRESHES_DEFERRED.labels(reason="budget").inc()
        visit.outcome(Outcome.BUDGET)
        visit.fields["refresh_due_at"] = budget_next
        visit.wakes.append(budget_next)
        return
    # Recorded first, under the lease: a worker that dies during the start leaves what
    # the next one needs to find this export and follow it, instead of starting another.
    RefreshSubscription.objects.filter(pk=subscription.pk, wake_at=visit.lease_until).update(
        last_outcome=Outcome.STARTED, last_outcome_at=now, last_started_at=now, last_export=None
    )
    try:
        task, started = export_services.export_start(user=user, now=now)
    except export_services.SignInRequired:
        visit.fields.update(_as_before(subscription))
        visit.stop(StopReason.SIGN_IN)
        return
    except export_services.ExportTooSoon as too_soon:
        visit.fields.update(_as_before(subscription))
        visit.wakes.append(now + timedelta(seconds=too_soon.wait_seconds))
        return
    if not started:
        # The member's own export is under way: the next refresh counts from it.
        visit.fields.update(_as_before(subscription))
        metrics.REFRESHES_DEFERRED.labels(reason="busy").inc()
        visit.wakes.append(now + _follow_up_after())
        return
    metrics.REFRESHES_STARTED.inc()
    logger.info("event=refresh_started user=%s export=%s", user.pk, task.public_id)
    visit.fields.update(last_export=task, last_started_at=now, refresh_due_at=None)
    visit.outcome(Outcome.STARTED)
    visit.subscription.last_outcome = Outcome.STARTED
    _export_seen(visit, task)


def _as_before(subscription: RefreshSubscription) -> dict[str, Any]:
    """The last refresh as it was recorded before a start that did not happen."""
    return {
        name: getattr(subscription, name)
        for name in (
            "last_outcome",
            "last_outcome_at",
            "last_outcome_detail",
            "last_started_at",
            "last_export_id",
        )
    }


def _budget_reserve(*, now: datetime, user_id: int) -> datetime | None:
    """Reserve one automatic export's calls from today's budget; return None when done,
    or when the budget will next allow it.
    """
    budget = settings.LINKEDIN_DAILY_CALL_BUDGET
    cost = settings.AUTO_REFRESH_CALLS_PER_EXPORT
    if budget <= 0:
        return None
    day = schedule.day_start(now).date()
    allowance = schedule.budget_allowance(at=now, budget=budget)
    RefreshBudgetDay.objects.get_or_create(day=day)
    if allowance >= cost:
        # One statement: two workers reserving at once cannot both take the last calls.
        won = RefreshBudgetDay.objects.filter(day=day, calls__lte=allowance - cost).update(
            calls=F("calls") + cost
        )
        if won:
            metrics.BUDGET_CALLS.inc(cost)
            return None
    spent = RefreshBudgetDay.objects.get(day=day).calls
    return schedule.budget_next_time(at=now, spent=spent, cost=cost, budget=budget, user_id=user_id)
