"""A worker killed (kill -9) in the middle of a refresh, with real processes on PostgreSQL.

The processes and the throwaway cluster are the production tests' (tests/production/),
made fixtures here by tests/refresh/conftest.py.
"""

from __future__ import annotations

import re
from html import unescape

from tests.fixtures_app import wait_until
from tests.production.journey import Member

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def refresh_turn_on(person: Member) -> None:
    home = person.get("/")
    token = CSRF_FIELD.search(home.text)
    assert token is not None, home.text[:500]
    answer = person.http.post(
        person.url("/refresh/"),
        data={"csrfmiddlewaretoken": unescape(token.group(1)), "enabled": "1", "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.status_code


def test_a_worker_killed_mid_refresh_leaves_one_export_that_the_next_worker_finishes(
    processes, database, sandbox
):
    _, url = processes.web()
    person = Member(url, sandbox.url)
    person.sign_in("changing")
    sandbox.set_knobs(task_seconds=0)
    # LinkedIn answers the start of the export late: the worker is killed while it waits.
    sandbox.fault("export_start", delay=2.0, times=1)
    refresh_turn_on(person)
    first = processes.worker()
    wait_until(
        lambda: sandbox.stats()["requests"].get("export_start", 0) == 1, timeout=30, every=0.02
    )
    processes.kill(first)
    assert database.value("SELECT count(*) FROM exports_exporttask") == 1
    # What the killed worker recorded before the start: enough to find the export.
    assert database.value("SELECT last_outcome FROM refresh_refreshsubscription") == "started"
    assert database.value("SELECT last_export_id FROM refresh_refreshsubscription") is None

    second = processes.worker()

    def refreshed() -> bool:
        return database.value("SELECT last_outcome FROM refresh_refreshsubscription") == (
            "succeeded"
        )

    wait_until(refreshed, timeout=90, every=0.2, message=processes.log(second)[-3000:])
    # One export, started once more after the restart, stored once, followed to its end.
    rows = database.rows("SELECT id, status FROM exports_exporttask")
    assert len(rows) == 1 and rows[0][1] == "SUCCEEDED", rows
    assert database.value("SELECT last_export_id FROM refresh_refreshsubscription") == rows[0][0]
    assert sandbox.stats()["requests"]["export_start"] == 2
    # LinkedIn's second task of the member (the killed worker's start made the first).
    stored = database.value("SELECT count(*) FROM exports_contact")
    assert stored == len(sandbox.contacts("changing", version=1))
    # And the next one is scheduled, not started: a day later, or before the book expires.
    next_due, expires = database.rows(
        "SELECT s.refresh_due_at, t.expires_at FROM refresh_refreshsubscription s "
        "JOIN exports_exporttask t ON t.id = s.last_export_id"
    )[0]
    assert next_due < expires
    assert database.value("SELECT wake_at IS NOT NULL FROM refresh_refreshsubscription")
