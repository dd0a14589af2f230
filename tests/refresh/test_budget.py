"""The day's call budget (`refresh.services.budget`): its row, made once, and each
reservation one conditional UPDATE of it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from refresh.models import RefreshBudgetDay
from refresh.services.budget import budget_reserve


@pytest.fixture
def budget(settings):
    settings.LINKEDIN_DAILY_CALL_BUDGET = 2400  # 100 calls released an hour
    settings.AUTO_REFRESH_CALLS_PER_EXPORT = 30
    # 02:00 UTC: 300 calls released so far, so 10 reservations of 30.
    return timezone.now().replace(hour=2, minute=0, second=0, microsecond=0)


def test_the_first_reservation_of_the_day_makes_its_row_and_the_next_is_one_update(db, budget):
    assert budget_reserve(now=budget, user_id=1) is None
    assert RefreshBudgetDay.objects.get(day=budget.date()).calls == 30
    with CaptureQueriesContext(connection) as queries:
        assert budget_reserve(now=budget, user_id=2) is None
    assert len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    assert RefreshBudgetDay.objects.get(day=budget.date()).calls == 60


def test_a_short_budget_is_not_overspent_and_says_when_it_allows_the_next(db, budget):
    RefreshBudgetDay.objects.create(day=budget.date(), calls=280)
    later = budget_reserve(now=budget, user_id=1)
    assert later is not None and later > budget
    assert RefreshBudgetDay.objects.get(day=budget.date()).calls == 280


@pytest.mark.django_db(transaction=True)
def test_workers_reserving_the_days_first_calls_at_once_all_get_them(budget):
    answers, barrier = [], threading.Barrier(4)

    def reserve(number: int) -> None:
        try:
            barrier.wait()
            answers.append(budget_reserve(now=budget, user_id=number))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [None] * 4
    assert RefreshBudgetDay.objects.get(day=budget.date()).calls == 120
