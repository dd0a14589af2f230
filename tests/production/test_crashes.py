"""Crash safety with real processes on PostgreSQL: kill -9, SIGTERM, a database restart.

Each test fails if data is lost, stored twice, served after expiry, or a process hangs.
"""

from __future__ import annotations

import json
import signal
import sys
import time

import psycopg
import requests

from linkedin_sandbox import addressbook
from tests.fixtures_app import wait_until
from tests.production.journey import Member, check_csv

SUCCEEDED = "SUCCEEDED"


def huge_book_knobs(blocks: int) -> tuple[dict, list[dict]]:
    """Sandbox knobs serving a valid book of `blocks` x 500 contacts, and that book.

    The sandbox's `huge` result mode streams the same 500 generated contacts over and over.
    """
    sample = addressbook.generate("huge", 500)
    block = ",".join(json.dumps(contact, ensure_ascii=False) for contact in sample).encode()
    # Head and tail are far smaller than a block, so exactly `blocks` blocks are sent.
    knobs = {"result_mode": "huge", "huge_bytes": blocks * (len(block) + 1)}
    return knobs, sample * blocks


def signed_in_export(url: str | list[str], sandbox, member: str = "typical") -> tuple:
    person = Member(url, sandbox.url)
    person.sign_in(member)
    return person, person.export_start()


def copy_running(database) -> bool:
    """True while some connection is COPYing contacts into the table (an ingest under way)."""
    return bool(
        database.value(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
            "AND query ILIKE 'COPY%%exports_contact%%'"
        )
    )


def test_a_worker_killed_mid_ingest_of_250000_contacts_leaves_nothing_and_the_next_stores_it_once(
    processes, database, sandbox
):
    knobs, book = huge_book_knobs(500)
    assert len(book) == 250_000
    sandbox.set_knobs(**knobs)
    _, url = processes.web()
    signed_in_export(url, sandbox)  # nobody watches the page: only workers refresh it

    first = processes.worker()
    wait_until(lambda: copy_running(database), timeout=60, every=0.02, message="no ingest began")
    time.sleep(0.3)  # well inside the COPY of 250,000 rows
    processes.kill(first)
    lease_end = database.task()["next_check_at"]

    # Nothing partial: the killed transaction took every row it had written with it.
    wait_until(lambda: not copy_running(database), timeout=10)
    assert database.value("SELECT count(*) FROM exports_contact") == 0
    assert database.task()["status"] == "IN_PROGRESS"

    second = processes.worker()
    wait_until(lambda: database.task()["status"] != "IN_PROGRESS", timeout=90, every=0.5)
    task = database.task()
    assert task["status"] == SUCCEEDED, task
    # The second worker waited for the dead one's lease instead of calling LinkedIn at once.
    assert task["last_checked_at"] >= lease_end
    assert task["contact_count"] == 250_000
    count, distinct, first_position, last_position = database.rows(
        "SELECT count(*), count(DISTINCT position), min(position), max(position) "
        "FROM exports_contact"
    )[0]
    assert (count, distinct, first_position, last_position) == (250_000, 250_000, 0, 249_999)
    samples = database.rows(
        "SELECT position, raw FROM exports_contact WHERE position IN (0, 124999, 249999) "
        "ORDER BY position"
    )
    assert [raw for _, raw in samples] == [book[0], book[124_999], book[249_999]]
    assert second.poll() is None, "the second worker died"


def test_gunicorn_killed_during_a_csv_download_serves_a_complete_one_after_restart(
    processes, database, sandbox
):
    knobs, book = huge_book_knobs(120)  # 60,000 contacts: a download of a few MB
    sandbox.set_knobs(**knobs)
    web, url = processes.web()
    person, export_path = signed_in_export(url, sandbox)
    processes.worker()
    person.export_wait(export_path, poll=False)

    partial = person.get(export_path + "contacts.csv", stream=True)
    assert partial.status_code == 200
    received = len(next(partial.iter_content(64 * 1024)))
    processes.kill(web)  # gunicorn's master and its workers, mid-stream
    try:
        for chunk in partial.iter_content(64 * 1024):
            received += len(chunk)
    except requests.RequestException:
        pass  # the connection broke off, as it should

    _, person.app_urls[0] = processes.web()
    complete = person.download_csv(export_path)
    assert received < len(complete), "the first download was not cut short"
    check_csv(complete, book)


def test_the_worker_outlives_a_postgresql_restart_and_the_exports_complete(
    processes, database, sandbox, cluster, tmp_path
):
    sandbox.set_knobs(task_seconds=4)  # still generating while the database is away
    _, url = processes.web()
    members = ["typical", "empty"]
    exports = [signed_in_export(url, sandbox, member) for member in members]
    beat = tmp_path / "worker.heartbeat"
    worker = processes.worker(f"--heartbeat-file={beat}")
    wait_until(lambda: beat.exists(), timeout=20)

    cluster.stop()
    try:
        time.sleep(4)
        assert worker.poll() is None, processes.log(worker)
        assert time.time() - beat.stat().st_mtime < 3, "no heartbeat while the database is away"
    finally:
        cluster.start()

    def all_done():
        try:
            states = database.rows("SELECT status FROM exports_exporttask")
        except psycopg.OperationalError:
            return False
        return len(states) == len(members) and all(row[0] == SUCCEEDED for row in states)

    wait_until(all_done, timeout=60, every=0.5, message="the exports did not complete")
    assert worker.poll() is None, "the worker died"
    for member, (person, export_path) in zip(members, exports, strict=True):
        check_csv(person.download_csv(export_path), sandbox.contacts(member))
    log = processes.log(worker)
    errors = log.count("event=worker_database_error")
    # Pauses doubling from 0.5 s: a handful of attempts in 4 s, not a tight loop.
    assert 1 <= errors <= 6, log[-3000:]
    assert "event=worker_recovered" in log


def test_sigterm_stops_an_idle_worker_at_once(processes, database):
    worker = processes.worker()
    wait_until(lambda: "Polling exports" in processes.log(worker), timeout=20)
    time.sleep(0.5)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=5) == 0
    assert time.monotonic() - started < 2
    assert "event=worker_stopped" in processes.log(worker)


def test_sigterm_mid_call_finishes_the_call_and_strands_no_lease(processes, database, sandbox):
    _, url = processes.web()
    signed_in_export(url, sandbox)
    sandbox.set_knobs(latency=1.5)  # each status check takes a while
    worker = processes.worker()
    polls_before = sandbox.stats()["requests"].get("export_status", 0)
    # The worker has claimed the task and is waiting for LinkedIn's answer.
    wait_until(lambda: database.task()["last_checked_at"] is not None, timeout=20, every=0.05)
    time.sleep(0.3)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0
    assert time.monotonic() - started < 5

    task = database.task()
    now = database.value("SELECT now()")
    assert sandbox.stats()["requests"].get("export_status", 0) - polls_before >= 1
    # The answer was recorded: finished, or due again after one poll interval, not after
    # the lease a dead worker would leave behind.
    assert task["status"] == SUCCEEDED or (task["next_check_at"] - now).total_seconds() <= 1.5


def test_a_purger_killed_mid_batch_serves_nothing_expired_and_the_next_run_finishes(
    processes, database, sandbox
):
    knobs, book = huge_book_knobs(100)  # 50,000 contacts
    sandbox.set_knobs(**knobs)
    _, url = processes.web()
    person, export_path = signed_in_export(url, sandbox)
    processes.worker()
    person.export_wait(export_path, poll=False)
    assert database.value("SELECT count(*) FROM exports_contact") == len(book)
    # LinkedIn's expiry passes (a day, in real life).
    database.execute("UPDATE exports_exporttask SET expires_at = now() - interval '1 second'")

    purge = ["manage.py", "purge_expired_exports", "--batch-size", "200"]
    purger = processes.start("purger", [sys.executable, *purge])
    wait_until(
        lambda: 0 < database.value("SELECT count(*) FROM exports_contact") < len(book) - 1000,
        timeout=60,
        every=0.02,
        message="the purge did not begin",
    )
    processes.kill(purger)
    left = database.value("SELECT count(*) FROM exports_contact")
    assert 0 < left < len(book), "the purger was not interrupted mid-way"

    # Meanwhile nothing of the expired book is served.
    assert database.task()["status"] == "EXPIRED"
    for suffix in ("", "contacts.csv", "contacts.json", "status/"):
        assert person.get(export_path + suffix, allow_redirects=False).status_code == 410

    again = processes.start("purger", [sys.executable, *purge])
    assert again.wait(timeout=60) == 0
    assert f"Removed {left} contacts of 1 expired exports" in processes.log(again)
    assert database.value("SELECT count(*) FROM exports_contact") == 0
    assert database.task()["contact_count"] == len(book)  # the history stays
