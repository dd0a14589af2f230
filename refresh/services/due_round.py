"""The worker's round: every member whose `wake_at` has come, one lease each.

A lease is a conditional UPDATE, so two workers never handle one member at once. Each
visit follows up the automatic export under way, renews or reminds about the member's
LinkedIn token, and starts the next export once it is due; what it decides is written
at its end in one conditional UPDATE, with the e-mails it calls for.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from refresh import metrics
from refresh.models import RefreshSubscription
from refresh.services.follow_up import follow_up
from refresh.services.starting import refresh_step
from refresh.services.tokens import token_step
from refresh.services.visit import Visit, stopped_fields

logger = logging.getLogger(__name__)


def _lease() -> timedelta:
    # Covers a member's whole visit: a token renewal and the call that starts an export,
    # each at most a few timeouts long (connecting, then reading the answer).
    return timedelta(seconds=settings.LINKEDIN_TIMEOUT * 6)


def refreshes_start_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Handle every member whose `wake_at` has come (up to `limit`); return how many
    exports this started.

    Each member is taken with a lease, so any number of workers may run this at once.
    """
    now = now or timezone.now()
    due = list(
        RefreshSubscription.objects.filter(wake_at__lte=now)
        .order_by("wake_at")
        .values_list("pk", "wake_at")[:limit]
    )
    started = 0
    for pk, wake_at in due:
        lease_until = now + _lease()
        won = RefreshSubscription.objects.filter(pk=pk, wake_at=wake_at).update(wake_at=lease_until)
        if not won:
            continue  # another worker has this member
        started += _member_visit(pk, now=now, lease_until=lease_until)
        metrics.MEMBERS_HANDLED.inc()
    return started


def refreshes_next_wake_after(*, now: datetime) -> datetime | None:
    """Return the earliest time after `now` a member is to be visited, or None.

    Known a day ahead for a scheduled refresh, so a worker can be there on time.
    """
    return RefreshSubscription.objects.filter(wake_at__gt=now).aggregate(at=Min("wake_at"))["at"]


def _member_visit(pk: int, *, now: datetime, lease_until: datetime) -> bool:
    """Visit one member under the lease; return whether an export was started."""
    subscription = (
        RefreshSubscription.objects.select_related("user__linkedin_account").filter(pk=pk).first()
    )
    if subscription is None:
        return False  # the member deleted their data meanwhile
    visit = Visit(subscription=subscription, now=now, lease_until=lease_until)
    if subscription.is_running:
        busy = follow_up(visit)
        if not visit.stop_reason:
            token_step(visit)
        if not visit.stop_reason and not busy:
            refresh_step(visit)
    _visit_write(visit, pk=pk, lease_until=lease_until)
    return visit.started


def _visit_write(visit: Visit, *, pk: int, lease_until: datetime) -> None:
    fields = dict(visit.fields)
    if visit.stop_reason:
        fields.update(stopped_fields(visit.stop_reason, visit.now))
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
