"""LinkedIn's daily call budget, shared by every automatic export of the day."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import F

from refresh import metrics, schedule
from refresh.models import RefreshBudgetDay


def budget_reserve(*, now: datetime, user_id: int) -> datetime | None:
    """Reserve one automatic export's calls from today's budget; return None when done,
    or when the budget will next allow it.
    """
    budget = settings.LINKEDIN_DAILY_CALL_BUDGET
    cost = settings.AUTO_REFRESH_CALLS_PER_EXPORT
    if budget <= 0:
        return None
    day = schedule.day_start(now).date()
    allowance = schedule.budget_allowance(at=now, budget=budget)
    if allowance >= cost:
        # One statement: two workers reserving at once cannot both take the last calls.
        untaken = RefreshBudgetDay.objects.filter(day=day, calls__lte=allowance - cost)
        won = untaken.update(calls=F("calls") + cost)
        if not won:  # the day's first reservation makes its row, or the budget is short
            RefreshBudgetDay.objects.get_or_create(day=day)
            won = untaken.update(calls=F("calls") + cost)
        if won:
            metrics.BUDGET_CALLS.inc(cost)
            return None
    spent = RefreshBudgetDay.objects.get_or_create(day=day)[0].calls
    return schedule.budget_next_time(at=now, spent=spent, cost=cost, budget=budget, user_id=user_id)
