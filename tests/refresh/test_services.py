"""Automatic refresh against the live sandbox, with the worker's round run at chosen times."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from contactsapp.models import LinkedInAccount
from exports import services as export_services
from exports.models import ExportTask
from mail.models import OutboundMessage
from refresh import schedule, services
from refresh.models import RefreshBudgetDay, RefreshSubscription
from tests.fixtures_app import in_english
from tests.refresh.steps import export_finish

Outcome = RefreshSubscription.Outcome


def subscription_of(user) -> RefreshSubscription:
    return RefreshSubscription.objects.get(user=user)


def mails(user, kind: str) -> int:
    return OutboundMessage.objects.filter(user=user, kind=kind).count()


def test_refresh_is_off_by_default_and_nothing_is_started(sign_in_member):
    _, user = sign_in_member()
    assert services.refreshes_start_due(now=timezone.now() + timedelta(days=3)) == 0
    assert not ExportTask.objects.exists()
    assert not RefreshSubscription.objects.filter(user=user).exists()


def test_turned_on_it_exports_at_once_then_again_before_the_book_expires(
    sign_in_member, linkedin, refresh_settings
):
    # LinkedIn's result lives 20 hours here: sooner than the daily interval.
    linkedin.set_knobs(result_ttl=20 * 3600)
    _, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    assert mails(user, OutboundMessage.Kind.REFRESH_CONFIRMATION) == 1

    assert services.refreshes_start_due(now=now) == 1
    first = ExportTask.objects.get(owner=user)
    assert subscription_of(user).last_outcome == Outcome.STARTED
    export_finish(first, now=now)
    assert first.status == ExportTask.Status.SUCCEEDED

    later = now + timedelta(seconds=10)
    services.refreshes_start_due(now=later)
    subscription = subscription_of(user)
    assert subscription.last_outcome == Outcome.SUCCEEDED
    # The first export has nothing to compare with: no digest.
    assert mails(user, OutboundMessage.Kind.DIGEST) == 0
    due = subscription.refresh_due_at
    assert first.expires_at - timedelta(hours=3) <= due <= first.expires_at - timedelta(hours=2)
    assert subscription.wake_at == due

    # Nothing before it is due; at the due time, the second export starts. (The sandbox
    # dates its results by the real clock, which this test's clock is ahead of.)
    linkedin.set_knobs(result_ttl=40 * 3600)
    assert services.refreshes_start_due(now=due - timedelta(seconds=1)) == 0
    assert services.refreshes_start_due(now=due) == 1
    second = ExportTask.objects.filter(owner=user).exclude(pk=first.pk).get()
    assert second.requested_at == due < first.expires_at
    export_finish(second, now=due)
    services.refreshes_start_due(now=due + timedelta(seconds=10))
    subscription = subscription_of(user)
    assert subscription.last_outcome == Outcome.SUCCEEDED
    assert subscription.last_export_id == second.pk
    assert subscription.refresh_due_at > due + timedelta(hours=19)
    # The changing member's book changed: one digest, however often the worker looks.
    services.refreshes_start_due(now=due + timedelta(seconds=20))
    assert mails(user, OutboundMessage.Kind.DIGEST) == 1
    assert second.comparison.has_changes


def test_the_interval_and_the_jitter_hold_for_a_long_lived_book(
    sign_in_member, linkedin, refresh_settings
):
    refresh_settings.AUTO_REFRESH_INTERVAL = 3600
    refresh_settings.AUTO_REFRESH_JITTER = 600
    linkedin.set_knobs(result_ttl=10 * 86400)
    _, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now)
    first = export_finish(ExportTask.objects.get(owner=user), now=now)
    services.refreshes_start_due(now=now + timedelta(seconds=5))

    due = subscription_of(user).refresh_due_at
    assert now + timedelta(seconds=3600) <= due < now + timedelta(seconds=4200)
    # Rounds every few minutes up to the due time start nothing.
    moment = now + timedelta(seconds=5)
    while moment < due:
        services.refreshes_start_due(now=moment)
        moment += timedelta(minutes=7)
    assert ExportTask.objects.filter(owner=user).count() == 1
    services.refreshes_start_due(now=due)
    assert ExportTask.objects.filter(owner=user).exclude(pk=first.pk).count() == 1


def test_a_manual_export_counts_as_the_newest_so_no_refresh_follows_it_at_once(
    sign_in_member, refresh_settings
):
    client, user = sign_in_member()
    client.post("/exports/")
    manual = ExportTask.objects.get(owner=user)
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now)
    # It was under way: the round waits for it instead of starting another.
    assert ExportTask.objects.filter(owner=user).count() == 1
    export_finish(manual, now=now)
    services.refreshes_start_due(now=now + timedelta(minutes=1))
    assert ExportTask.objects.filter(owner=user).count() == 1
    assert subscription_of(user).refresh_due_at > manual.requested_at + timedelta(hours=20)


def test_turned_off_nothing_is_started_and_deleted_data_leaves_nothing_to_do(
    sign_in_member, linkedin
):
    _, user = sign_in_member()
    _, other = sign_in_member("typical")
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refresh_enable(user=other, now=now)
    services.refresh_disable(user=user)
    assert subscription_of(user).wake_at is None
    export_services.member_data_delete(user=other)
    assert not RefreshSubscription.objects.filter(user_id=other.pk).exists()

    starts = linkedin.stats()["requests"].get("export_start", 0)
    for hours in (0, 1, 25, 49):
        services.refreshes_start_due(now=now + timedelta(hours=hours))
    assert not ExportTask.objects.exists()
    assert linkedin.stats()["requests"].get("export_start", 0) == starts
    assert not OutboundMessage.objects.filter(user_id=other.pk).exists()


def test_a_429_with_retry_after_defers_the_member_for_as_long_as_linkedin_asked(
    sign_in_member, linkedin
):
    linkedin.fault("export_start", status=429, headers={"Retry-After": "300"}, times=1)
    _, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now)

    task = ExportTask.objects.get(owner=user)
    assert task.linkedin_task_id == ""
    subscription = subscription_of(user)
    assert subscription.last_outcome == Outcome.THROTTLED
    assert subscription.wake_at >= timezone.now() + timedelta(seconds=290)
    assert task.next_check_at >= timezone.now() + timedelta(seconds=290)
    assert subscription.refresh_due_at == task.next_check_at  # what the home page shows
    # Rounds meanwhile call nobody; after it, the same export is started, not another.
    services.refreshes_start_due(now=now + timedelta(seconds=100))
    assert linkedin.stats()["requests"]["export_start"] == 1
    after = subscription.wake_at + timedelta(seconds=1)
    export_finish(task, now=after)
    services.refreshes_start_due(now=after)
    assert subscription_of(user).last_outcome == Outcome.SUCCEEDED
    assert ExportTask.objects.filter(owner=user).count() == 1
    assert linkedin.stats()["requests"]["export_start"] == 2


def test_a_short_daily_budget_spreads_refreshes_instead_of_failing_them(
    sign_in_member, refresh_settings
):
    refresh_settings.LINKEDIN_DAILY_CALL_BUDGET = 2400  # 100 calls released an hour
    refresh_settings.AUTO_REFRESH_CALLS_PER_EXPORT = 30
    users = [sign_in_member(key)[1] for key in ("changing", "typical", "empty", "large")]
    # 02:00 UTC today: 300 calls released so far, so 10 exports of 30 calls.
    now = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0)
    for user in users:
        services.refresh_enable(user=user, now=now)
    # Other refreshes already took 240 calls today: room for two more exports.
    RefreshBudgetDay.objects.create(day=now.date(), calls=240)
    services.refreshes_start_due(now=now)

    started = [user for user in users if ExportTask.objects.filter(owner=user).exists()]
    deferred = [subscription_of(user) for user in users if user not in started]
    assert len(started) == 2
    assert [s.last_outcome for s in deferred] == [Outcome.BUDGET, Outcome.BUDGET]
    # They come back when the pace allows them, one after the other, later today, and
    # no round spends more than the pace has released by then.
    assert all(now < s.refresh_due_at == s.wake_at < now + timedelta(hours=1) for s in deferred)
    assert RefreshBudgetDay.objects.get().calls == 300
    rounds = 0
    while not all(ExportTask.objects.filter(owner=user).exists() for user in users):
        deferred_now = RefreshSubscription.objects.filter(last_outcome=Outcome.BUDGET)
        moment = deferred_now.earliest("wake_at").wake_at
        services.refreshes_start_due(now=moment)
        spent = RefreshBudgetDay.objects.get().calls
        assert spent <= schedule.budget_allowance(at=moment, budget=2400)
        rounds += 1
        assert rounds < 10
    assert moment < now + timedelta(hours=1)
    assert RefreshBudgetDay.objects.get().calls == 360


def test_a_401_stops_the_refresh_and_the_home_page_says_why(sign_in_member, linkedin):
    client, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    linkedin.revoke("changing")
    services.refreshes_start_due(now=now)

    subscription = subscription_of(user)
    assert subscription.stopped_reason == RefreshSubscription.StopReason.SIGN_IN
    assert subscription.wake_at is None
    page = client.get("/").content.decode()
    assert "Stopped" in page
    assert "LinkedIn no longer accepts your sign-in" in page
    assert "Sign in with LinkedIn again" in page
    # Never a loop of failing calls: later rounds call LinkedIn no more.
    calls = linkedin.stats()["requests"]["export_start"]
    for hours in (1, 2, 30):
        services.refreshes_start_due(now=now + timedelta(hours=hours))
    assert linkedin.stats()["requests"]["export_start"] == calls == 1


def test_a_403_stops_the_refresh_with_the_missing_permission(sign_in_member):
    client, user = sign_in_member("noperm")
    in_english(client)  # her LinkedIn locale is French; the page is read in English
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now)
    assert subscription_of(user).stopped_reason == RefreshSubscription.StopReason.PERMISSION
    page = client.get("/").content.decode()
    assert "LinkedIn did not grant access to your contacts" in page
    assert "Sign in again and grant access" in page


def test_turning_it_on_again_after_a_stop_restarts_it(sign_in_member, linkedin):
    _, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    linkedin.revoke("changing")
    services.refreshes_start_due(now=now)
    assert subscription_of(user).stopped_reason
    sign_in_member()  # a fresh token
    services.refresh_enable(user=user, now=now + timedelta(minutes=1))
    subscription = subscription_of(user)
    assert subscription.is_running and subscription.wake_at is not None


def test_a_short_lived_token_with_a_refresh_token_is_renewed_before_it_ends(
    sign_in_member, linkedin, refresh_settings
):
    refresh_settings.TOKEN_RENEW_AHEAD = 60
    linkedin.set_knobs(token_ttl=120, refresh_token_ttl=3600)
    _, user = sign_in_member()
    account = LinkedInAccount.objects.get(user=user)
    assert account.refresh_token.startswith("AQX")
    assert account.encrypted_refresh_token != account.refresh_token  # encrypted at rest
    old_token, old_end = account.access_token, account.token_expires_at
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now)
    # Not yet: the token is renewed once its end is within TOKEN_RENEW_AHEAD.
    assert subscription_of(user).wake_at <= old_end - timedelta(seconds=60)
    account.refresh_from_db()
    assert account.access_token == old_token

    linkedin.set_knobs(token_ttl=7200)
    services.refreshes_start_due(now=old_end - timedelta(seconds=30))
    account.refresh_from_db()
    assert account.access_token != old_token
    assert account.token_expires_at > old_end + timedelta(minutes=100)
    assert account.refresh_token.startswith("AQX")  # LinkedIn keeps the same one
    # The new token is one LinkedIn accepts.
    answer = requests.get(
        f"{linkedin.url}/v2/userinfo",
        headers={"Authorization": f"Bearer {account.access_token}"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert linkedin.stats()["requests"]["token"] == 2  # the sign-in, one renewal
    assert mails(user, OutboundMessage.Kind.TOKEN_ENDING_SOON) == 0


def test_a_refused_refresh_token_is_forgotten_and_the_member_reminded(
    sign_in_member, linkedin, refresh_settings
):
    refresh_settings.TOKEN_RENEW_AHEAD = 60
    linkedin.set_knobs(token_ttl=120, refresh_token_ttl=3600)
    _, user = sign_in_member()
    linkedin.revoke("changing")  # the refresh token too
    account = LinkedInAccount.objects.get(user=user)
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=account.token_expires_at - timedelta(seconds=30))
    account.refresh_from_db()
    assert account.refresh_token == ""
    assert mails(user, OutboundMessage.Kind.TOKEN_ENDING_SOON) == 1


def test_without_a_refresh_token_the_member_is_reminded_a_week_before_and_once_at_the_end(
    sign_in_member, linkedin
):
    _, user = sign_in_member()
    ends = timezone.now() + timedelta(days=60)
    LinkedInAccount.objects.filter(user=user).update(token_expires_at=ends)
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refreshes_start_due(now=now)
    ending, ended = OutboundMessage.Kind.TOKEN_ENDING_SOON, OutboundMessage.Kind.TOKEN_ENDED
    assert mails(user, ending) == 0
    assert subscription_of(user).wake_at <= ends - timedelta(days=7)

    week_before = ends - timedelta(days=7)
    for hours in (0, 1, 24):
        services.refreshes_start_due(now=week_before + timedelta(hours=hours))
    assert mails(user, ending) == 1
    assert mails(user, ended) == 0
    assert subscription_of(user).is_running

    for hours in (0, 1, 24):
        services.refreshes_start_due(now=ends + timedelta(hours=hours))
    assert mails(user, ended) == 1
    subscription = subscription_of(user)
    assert subscription.stopped_reason == RefreshSubscription.StopReason.TOKEN_ENDED
    assert subscription.wake_at is None


@pytest.mark.django_db(transaction=True)
def test_members_deleted_while_they_are_due_are_skipped(sign_in_member):
    _, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    user.delete()
    assert services.refreshes_start_due(now=now) == 0


def test_signing_out_everywhere_stops_it_and_the_home_page_says_so(sign_in_member, linkedin):
    client, user = sign_in_member()
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    assert services.refresh_stop(user=user, reason=RefreshSubscription.StopReason.SIGNED_OUT)
    assert not services.refresh_stop(user=user, reason=RefreshSubscription.StopReason.SIGNED_OUT)
    services.refreshes_start_due(now=now + timedelta(days=2))
    assert not ExportTask.objects.exists()
    page = client.get("/").content.decode()
    assert "You signed out everywhere" in page and "Turn it back on" in page
