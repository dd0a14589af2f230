"""Scale-out: two gunicorn instances and two workers on one PostgreSQL, clients alternating.

Nothing lives in a process: sessions, leases and the address books are in the database,
and the metrics of every process add up in the shared metrics folder.
"""

from __future__ import annotations

import math
import re
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.production.journey import Member, check_csv

MEMBERS = ("typical", "empty", "large")
POLL_INTERVAL = 1.0  # EXPORT_POLL_INTERVAL of the processes (conftest)
TOKEN = "scale-out-metrics-token"


def metric_sum(text: str, name: str, **labels: str) -> float:
    """Add up every sample of `name` whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(match[3])
    return total


def test_two_web_instances_and_two_workers_share_one_database(
    processes, database, sandbox, tmp_path
):
    processes.env["METRICS_DIR"] = str(tmp_path / "metrics")
    sandbox.set_knobs(task_seconds=3)  # several poll intervals per export
    webs = [processes.web(METRICS_TOKEN=TOKEN) for _ in range(2)]
    urls = [url for _, url in webs]
    processes.worker()
    processes.worker()

    people = {member: Member(urls, sandbox.url) for member in MEMBERS}
    exports = {}
    for member, person in people.items():
        person.sign_in(member)  # the sign-in's requests alternate between the instances
        exports[member] = person.export_start()

    # Every member watches their page (status polls alternating between the instances)
    # while both workers refresh the same exports.
    with ThreadPoolExecutor(len(MEMBERS)) as pool:
        list(pool.map(lambda m: people[m].export_wait(exports[m], timeout=120), MEMBERS))

    tasks = database.rows(
        "SELECT t.linkedin_task_id, t.status, t.contact_count, t.requested_at, t.finished_at, "
        "count(c.id), count(DISTINCT c.position) FROM exports_exporttask t "
        "LEFT JOIN exports_contact c ON c.task_id = t.id GROUP BY t.id"
    )
    assert len(tasks) == len(MEMBERS)
    stats = sandbox.stats()
    assert stats["requests"]["export_start"] == len(MEMBERS)
    books = {member: sandbox.contacts(member) for member in MEMBERS}
    assert sorted(row[2] for row in tasks) == sorted(len(book) for book in books.values())
    for linkedin_id, status, contact_count, requested_at, finished_at, rows, positions in tasks:
        assert status == "SUCCEEDED"
        assert rows == positions == contact_count  # each book stored once
        # LinkedIn saw at most one status check per task per poll interval.
        seconds = (finished_at - requested_at).total_seconds()
        assert stats["task_polls"][linkedin_id] <= math.ceil(seconds / POLL_INTERVAL) + 1

    for member, person in people.items():
        check_csv(person.download_csv(exports[member]), books[member])

    # One scrape of either instance adds up what every process of the deployment did.
    text = requests.get(
        f"{urls[1]}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).text
    calls = metric_sum(text, "contactsapp_linkedin_calls_total", endpoint="export_status")
    assert calls == stats["requests"]["export_status"]
    assert metric_sum(text, "contactsapp_exports_started_total") == len(MEMBERS)
    assert metric_sum(text, "contactsapp_exports_finished_total", status="succeeded") == 3
    stored = sum(len(book) for book in books.values())
    assert metric_sum(text, "contactsapp_contacts_stored_total") == stored
    assert metric_sum(text, "contactsapp_worker_rounds_total", outcome="ok") > 0

    # Each instance served the members, and its access log leaves out the probes and scrapes.
    for process, _ in webs:
        log = processes.log(process)
        assert 'path="/exports/' in log
        assert "/readyz" not in log and "/metrics" not in log
