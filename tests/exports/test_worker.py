"""The export worker's loop (`exports.worker`): when a round is followed by the next at
once, and when by the pause."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contactsapp.accounts import account_token_forget
from exports import services, worker
from exports.models import ExportTask
from refresh.models import RefreshSubscription
from tests.fixtures_app import sign_in, start_export

# The loop looks at the database connections before each round.
pytestmark = pytest.mark.django_db

SOONER = timedelta(seconds=40)


def pause_recorder(happened: list[str], pauses: list[float] | None = None):
    """A stand-in for the loop's pause: it records it (and its seconds in `pauses`),
    instead of sleeping. A stopped loop does not pause, as the real one does not."""

    def wait(seconds: float, *, stop: threading.Event, heartbeat_file: str | None) -> None:
        if not stop.is_set():
            happened.append("pause")
            if pauses is not None:
                pauses.append(seconds)

    return wait


def run_loop(
    results: list[int | worker.Round], monkeypatch, pauses: list[float] | None = None
) -> list[str]:
    """Run the export worker's loop over steps that return `results` in turn (a number:
    exports called, nothing scheduled); return what happened, round by round: "round" for
    a step, "pause" for the wait between rounds."""
    happened: list[str] = []
    stop = threading.Event()
    answers = iter(
        answer if isinstance(answer, worker.Round) else worker.Round(answer, None)
        for answer in results
    )

    def step(stop_event: threading.Event) -> worker.Round:
        happened.append("round")
        answer = next(answers)
        if len(happened) - happened.count("pause") == len(results):
            stop_event.set()
        return answer

    monkeypatch.setattr(worker, "_wait", pause_recorder(happened, pauses))
    worker.loop_run(
        step,
        name="test",
        interval=1.0,
        stop=stop,
        again=worker.poll_exports_again,
        next_due=worker.poll_exports_next_due,
    )
    return happened


def test_a_round_that_called_linkedin_is_followed_by_the_next_at_once(monkeypatch):
    happened = run_loop([3, 1, 0, 2, 0], monkeypatch)

    assert happened == ["round", "round", "round", "pause", "round", "round"]


def test_rounds_at_once_are_capped_so_the_loop_still_pauses(monkeypatch):
    burst = ["round"] * (1 + worker.AT_ONCE_ROUNDS)  # a round, then the capped ones
    busy = [1] * (2 * len(burst) + 1)

    happened = run_loop(busy, monkeypatch)

    assert happened == [*burst, "pause", *burst, "pause", "round"]


def test_the_pause_ends_when_scheduled_work_falls_due_within_it(monkeypatch):
    soon = timezone.now() + timedelta(milliseconds=300)
    later = timezone.now() + timedelta(minutes=5)
    past = timezone.now() - timedelta(seconds=1)
    pauses: list[float] = []

    happened = run_loop(
        [worker.Round(0, soon), worker.Round(0, later), worker.Round(0, past), 0, 0],
        monkeypatch,
        pauses,
    )

    assert happened == ["round", "pause"] * 4 + ["round"]
    shortened, whole, none_left, unscheduled = pauses
    assert 0 < shortened <= 0.3  # until it falls due, not the whole second
    assert whole == unscheduled == 1.0  # due after the pause, or nothing scheduled
    assert none_left == 0  # fell due while the round ran: the next one starts now


def test_a_loop_without_again_pauses_after_every_round(monkeypatch):
    happened: list[str] = []
    stop = threading.Event()

    def step(stop_event: threading.Event) -> int:
        happened.append("round")
        if happened.count("round") == 3:
            stop_event.set()
        return 5

    monkeypatch.setattr(worker, "_wait", pause_recorder(happened))
    worker.loop_run(step, name="test", interval=1.0, stop=stop)

    assert happened == ["round", "pause", "round", "pause", "round"]


def test_a_round_counts_the_exports_it_checked_and_not_one_waiting_for_sign_in(
    member_client, linkedin
):
    linkedin.set_knobs(task_seconds=30)  # still in progress at every check below
    start_export(member_client)
    task = ExportTask.objects.get()

    assert worker.poll_exports_step(threading.Event()).called == 1
    assert linkedin.stats()["requests"]["export_status"] == 1

    # Its member's token is gone: the task stays due on purpose, until they sign in, and
    # the round that finds it calls nobody, so the loop pauses instead of spinning.
    account_token_forget(account=task.owner.linkedin_account)
    for _ in range(3):
        round_ = worker.poll_exports_step(threading.Event())
        assert round_.called == 0
        # Nor does it shorten the pause: it is due now, not at a time to wake for.
        assert round_.next_due is None
    assert linkedin.stats()["requests"]["export_status"] == 1
    task.refresh_from_db()
    assert task.needs_sign_in and task.status == ExportTask.Status.IN_PROGRESS
    assert not worker.poll_exports_again(round_)


def test_a_round_knows_the_next_check_of_an_export_under_way(member_client, linkedin, settings):
    linkedin.set_knobs(task_seconds=30)
    settings.EXPORT_POLL_INTERVAL = 20
    start_export(member_client)  # LinkedIn was asked: its next check is 20 s away

    round_ = worker.poll_exports_step(threading.Event())

    task = ExportTask.objects.get()
    assert task.next_check_at > timezone.now()
    assert round_ == worker.Round(called=0, next_due=task.next_check_at)


def test_a_round_knows_when_a_member_is_next_visited():
    member_wakes = timezone.now() + timedelta(minutes=3)
    for name, wake_at in (("later", member_wakes), ("sooner", member_wakes - SOONER)):
        user = get_user_model().objects.create_user(name)
        RefreshSubscription.objects.create(user=user, enabled=True, wake_at=wake_at)

    round_ = worker.poll_exports_step(threading.Event())

    assert round_ == worker.Round(called=0, next_due=member_wakes - SOONER)


def test_a_round_leaves_an_export_another_worker_took_meanwhile_as_it_read_it(linkedin, db):
    linkedin.set_knobs(task_seconds=30)  # still in progress at every check below
    for member in ("typical", "changing"):
        client = Client()
        sign_in(client, linkedin, member=member)
        start_export(client)
    now = timezone.now()
    first, second = ExportTask.objects.order_by("pk")
    ExportTask.objects.filter(pk=first.pk).update(next_check_at=now - timedelta(seconds=2))
    ExportTask.objects.filter(pk=second.pk).update(next_check_at=now - timedelta(seconds=1))
    asked = []

    def another_worker_takes_the_second() -> bool:
        asked.append(True)
        if len(asked) == 2:  # before the second task: its lease goes to another worker
            ExportTask.objects.filter(pk=second.pk).update(next_check_at=now + timedelta(60))
        return False

    with CaptureQueriesContext(connection) as queries:
        checked = services.exports_refresh_due(now=now, stop=another_worker_takes_the_second)

    assert checked == 1 and linkedin.stats()["requests"]["export_status"] == 1
    # Its lease lost, the second is not read again: the round has nothing more to do.
    assert queries[-1]["sql"].startswith('UPDATE "exports_exporttask"')
    assert f'"id" = {second.pk}' in queries[-1]["sql"]
