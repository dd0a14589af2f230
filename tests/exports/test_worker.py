"""The export worker's loop (`exports.worker`): when a round is followed by the next at
once, and when by the pause."""

from __future__ import annotations

import threading

import pytest

from contactsapp.accounts import account_token_forget
from exports import worker
from exports.models import ExportTask
from tests.fixtures_app import start_export

# The loop looks at the database connections before each round.
pytestmark = pytest.mark.django_db


def pause_recorder(happened: list[str]):
    """A stand-in for the loop's pause: it records it, instead of sleeping. A stopped loop
    does not pause, as the real one does not."""

    def wait(seconds: float, *, stop: threading.Event, heartbeat_file: str | None) -> None:
        if not stop.is_set():
            happened.append("pause")

    return wait


def run_loop(results: list[int], monkeypatch) -> list[str]:
    """Run `loop_run` over steps that return `results` in turn; return what happened,
    round by round: "round" for a step, "pause" for the wait between rounds."""
    happened: list[str] = []
    stop = threading.Event()
    answers = iter(results)

    def step(stop_event: threading.Event) -> int:
        happened.append("round")
        answer = next(answers)
        if len(happened) - happened.count("pause") == len(results):
            stop_event.set()
        return answer

    monkeypatch.setattr(worker, "_wait", pause_recorder(happened))
    worker.loop_run(step, name="test", interval=1.0, stop=stop, again=worker.poll_exports_again)
    return happened


def test_a_round_that_called_linkedin_is_followed_by_the_next_at_once(monkeypatch):
    happened = run_loop([3, 1, 0, 2, 0], monkeypatch)

    assert happened == ["round", "round", "round", "pause", "round", "round"]


def test_rounds_at_once_are_capped_so_the_loop_still_pauses(monkeypatch):
    burst = ["round"] * (1 + worker.AT_ONCE_ROUNDS)  # a round, then the capped ones
    busy = [1] * (2 * len(burst) + 1)

    happened = run_loop(busy, monkeypatch)

    assert happened == [*burst, "pause", *burst, "pause", "round"]


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

    assert worker.poll_exports_step(threading.Event()) == 1
    assert linkedin.stats()["requests"]["export_status"] == 1

    # Its member's token is gone: the task stays due on purpose, until they sign in, and
    # the round that finds it calls nobody, so the loop pauses instead of spinning.
    account_token_forget(account=task.owner.linkedin_account)
    for _ in range(3):
        assert worker.poll_exports_step(threading.Event()) == 0
    assert linkedin.stats()["requests"]["export_status"] == 1
    task.refresh_from_db()
    assert task.needs_sign_in and task.status == ExportTask.Status.IN_PROGRESS
    assert not worker.poll_exports_again(0)
