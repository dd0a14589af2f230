"""Starting the next automatic export once it is due and the day's budget allows it.

The start goes through `exports.services.export_start`, which keeps one export in flight
per member with its own constraint. A 401 stops automatic refresh for the member.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from exports import services as export_services
from exports.models import ExportTask
from refresh import metrics, schedule
from refresh.models import RefreshSubscription
from refresh.services.budget import budget_reserve
from refresh.services.follow_up import export_seen
from refresh.services.visit import Visit, follow_up_after

logger = logging.getLogger(__name__)

Outcome = RefreshSubscription.Outcome
StopReason = RefreshSubscription.StopReason
Status = ExportTask.Status


def refresh_due_for(*, user: AbstractBaseUser, now: datetime) -> datetime:
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


def refresh_step(visit: Visit) -> None:
    subscription, now, user = visit.subscription, visit.now, visit.user
    due = refresh_due_for(user=user, now=now)
    if subscription.consecutive_failures and subscription.last_outcome_at:
        due = max(due, subscription.last_outcome_at + _failure_pause(
            subscription.consecutive_failures
        ))  # fmt: skip
    if due > now:
        visit.fields["refresh_due_at"] = due
        visit.wakes.append(due)
        return
    budget_next = budget_reserve(now=now, user_id=user.pk)
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
        visit.wakes.append(now + follow_up_after())
        return
    metrics.REFRESHES_STARTED.inc()
    visit.started = True
    logger.info("event=refresh_started user=%s export=%s", user.pk, task.public_id)
    visit.fields.update(last_export=task, last_started_at=now, refresh_due_at=None)
    visit.outcome(Outcome.STARTED)
    visit.subscription.last_outcome = Outcome.STARTED
    export_seen(visit, task)


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
