"""Workers racing the refresh round, with real concurrent database connections (threads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exports.models import ExportTask
from refresh import services
from refresh.models import RefreshSubscription
from tests.fixtures_app import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_workers_racing_the_round_start_one_export_per_member(sign_in_member, linkedin):
    users = [sign_in_member(key)[1] for key in ("changing", "typical", "empty")]
    now = timezone.now()
    for user in users:
        services.refresh_enable(user=user, now=now)

    started = run_together(6, lambda _: services.refreshes_start_due(now=now))

    assert sum(started) == 3  # each member's export started by exactly one worker
    for user in users:
        assert ExportTask.objects.filter(owner=user).count() == 1
    assert linkedin.stats()["requests"]["export_start"] == 3
    # And again, a moment later: the exports under way are followed, none is added.
    run_together(6, lambda _: services.refreshes_start_due(now=now + timedelta(seconds=30)))
    assert ExportTask.objects.count() == 3
    assert linkedin.stats()["requests"]["export_start"] == 3


def test_a_member_turning_it_off_during_the_round_is_left_off(sign_in_member):
    _, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)

    def round_then_off(_index: int):
        services.refreshes_start_due(now=now)

    run_together(2, round_then_off)
    services.refresh_disable(user=user)
    services.refreshes_start_due(now=now + timedelta(days=2))
    subscription = RefreshSubscription.objects.get(user=user)
    assert subscription.wake_at is None and not subscription.enabled
    assert ExportTask.objects.filter(owner=user).count() == 1
