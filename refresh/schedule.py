"""When a member's next automatic export is due, and how LinkedIn's daily budget paces it.

Pure functions of times and settings, so the rules are tested without a clock.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta

DAY = timedelta(days=1)


def member_share(user_id: int) -> float:
    """Return the member's fixed place in [0, 1): the same on every round and every worker."""
    digest = hashlib.blake2b(f"refresh:{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def refresh_due(
    *,
    user_id: int,
    newest_requested_at: datetime | None,
    newest_expires_at: datetime | None,
    now: datetime,
    interval: float,
    margin: float,
    jitter: float,
    min_spacing: float,
) -> datetime:
    """Return when the member's next automatic export should start.

    With no export yet: now. Otherwise one interval after the newest export (manual or
    automatic) plus the member's share of the jitter; but earlier if the newest address
    book would expire first: `margin` before its `expiresAt`, less the member's share of
    the jitter (at most half the margin, so it still starts before the margin ends).
    Never sooner after the newest export than `EXPORT_MIN_SPACING` allows.
    """
    if newest_requested_at is None:
        return now
    share = member_share(user_id)
    due = newest_requested_at + timedelta(seconds=interval + share * jitter)
    if newest_expires_at is not None:
        spread = min(jitter, margin / 2) * share
        due = min(due, newest_expires_at - timedelta(seconds=margin + spread))
    return max(due, newest_requested_at + timedelta(seconds=min_spacing))


def budget_allowance(*, at: datetime, budget: int) -> int:
    """Return how many calls the day's budget allows to have been spent by `at`.

    The budget is released evenly through the UTC day, an hour's share ahead, so a short
    budget spreads the refreshes over the day instead of spending it all at midnight.
    """
    elapsed = (at - day_start(at)).total_seconds()
    share = min(1.0, (elapsed + 3600) / DAY.total_seconds())
    return int(budget * share)


def budget_next_time(*, at: datetime, spent: int, cost: int, budget: int, user_id: int) -> datetime:
    """Return when the budget next allows `cost` more calls after `spent`, from `at` on.

    Later today if the pace allows it; otherwise tomorrow, at the member's share of the
    first hour, so members deferred together do not all come back at once.
    """
    needed = spent + cost
    if needed <= budget:
        # The allowance reaches `needed` once (elapsed + 3600) / day >= needed / budget.
        elapsed = needed / budget * DAY.total_seconds() - 3600
        when = day_start(at) + timedelta(seconds=max(0.0, elapsed))
        if when > at:
            return when
        return at
    return day_start(at) + DAY + timedelta(seconds=member_share(user_id) * 3600)


def day_start(at: datetime) -> datetime:
    return datetime.combine(at.astimezone(UTC).date(), time.min, tzinfo=UTC)
