"""The schedule's rules as pure functions: due times, jitter, and the daily budget's pace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from refresh import schedule

HOUR = 3600.0
DAY = 24 * HOUR
NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def due(user_id: int = 1, *, requested=NOON, expires=None, interval=DAY, margin=2 * HOUR):
    return schedule.refresh_due(
        user_id=user_id,
        newest_requested_at=requested,
        newest_expires_at=expires,
        now=NOON + timedelta(minutes=5),
        interval=interval,
        margin=margin,
        jitter=0.5 * HOUR,
        min_spacing=60,
    )


def test_a_member_with_no_export_yet_is_due_at_once():
    assert due(requested=None) == NOON + timedelta(minutes=5)


def test_a_long_lived_book_is_refreshed_one_interval_later_within_the_jitter():
    for user_id in range(1, 200):
        when = due(user_id, expires=NOON + timedelta(days=30))
        assert NOON + timedelta(days=1) <= when < NOON + timedelta(days=1, minutes=30)


def test_a_book_that_expires_first_is_refreshed_a_margin_before_its_expiry():
    expires = NOON + timedelta(hours=20)
    for user_id in range(1, 200):
        when = due(user_id, expires=expires)
        # The margin before expiry, less at most half of it as the member's spread.
        assert expires - timedelta(hours=3) <= when <= expires - timedelta(hours=2)


def test_the_jitter_spreads_members_over_its_window():
    whens = {due(user_id, expires=NOON + timedelta(days=30)) for user_id in range(1, 101)}
    assert len(whens) == 100
    spread = max(whens) - min(whens)
    assert timedelta(minutes=25) < spread < timedelta(minutes=30)
    # A member's place is fixed: the same on every round, in every worker.
    assert due(7, expires=NOON + timedelta(days=30)) == due(7, expires=NOON + timedelta(days=30))


def test_never_sooner_than_the_spacing_between_two_exports_allows():
    assert due(expires=NOON + timedelta(seconds=30), margin=HOUR) == NOON + timedelta(seconds=60)


def test_the_budget_is_released_through_the_day_an_hour_ahead():
    midnight = schedule.day_start(NOON)
    assert schedule.budget_allowance(at=midnight, budget=2400) == 100
    assert schedule.budget_allowance(at=NOON, budget=2400) == 1300
    assert schedule.budget_allowance(at=midnight + timedelta(hours=23), budget=2400) == 2400


def test_a_short_budget_puts_a_refresh_off_to_when_the_pace_allows_it():
    # 1300 calls allowed by noon, 1300 spent: 10 more are allowed 6 minutes later.
    later = schedule.budget_next_time(at=NOON, spent=1300, cost=10, budget=2400, user_id=1)
    assert later == NOON + timedelta(minutes=6)


def test_a_spent_budget_puts_refreshes_off_to_tomorrow_spread_over_its_first_hour():
    tomorrow = schedule.day_start(NOON) + timedelta(days=1)
    times = {
        schedule.budget_next_time(at=NOON, spent=2395, cost=10, budget=2400, user_id=user_id)
        for user_id in range(1, 51)
    }
    assert len(times) == 50
    assert all(tomorrow <= when < tomorrow + timedelta(hours=1) for when in times)
