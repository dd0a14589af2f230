"""Pages on SQLite while a large address book is stored: latency and failures.

`make run`'s default database is a SQLite file. This script stores one member's book of
`--count` contacts (250,000 by default) in one process, exactly as the worker does
(`linkedin_api.parse_export_task`, then `services.contacts_ingest`), while a live
`runserver` (as `make run` starts it) answers another member's pages: the home page, an
export's page, a search, a status poll, and a page that writes (signing out, which
deletes the session). It prints each page's latency quiet and during the ingest (median,
p95, max) and every answer that was not the expected one.

    .venv/bin/python -m bench.sqlite_concurrency [--count 250000]

Everything is a throwaway: a temporary SQLite file, a server on a free loopback port.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests

REPOSITORY = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "sqlite-concurrency-latest.md"
LOOPBACK = "127.0.0.1"
QUIET_ROUNDS = 20
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def environment(database: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE="contactsapp.settings",
        DEBUG="1",
        # Status polls of the in-progress export ask a LinkedIn that refuses at once.
        LINKEDIN_API_BASE_URL=f"http://{LOOPBACK}:9",
        EXPORT_POLL_INTERVAL="0",
        EXPORT_MAX_BACKOFF="0",
    )
    return env


def setup(count_sessions: int) -> dict:
    """Create the members, the reader's export and sessions; return what the client needs."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.body import export_body
    from contactsapp.models import LinkedInAccount
    from exports import linkedin_api, services
    from exports.models import ExportTask

    users = get_user_model().objects
    reader = users.create_user(username="reader")
    LinkedInAccount.objects.create(user=reader, sub="reader-sub", country="US")
    ready = ExportTask.objects.create(owner=reader, linkedin_task_id="ready")
    result = linkedin_api.parse_export_task(export_body(1_000, seed="reader")).result
    services.contacts_ingest(task=ready, result=result)
    waiting = users.create_user(username="waiting")
    LinkedInAccount.objects.create(user=waiting, sub="waiting-sub", country="US")
    polled = ExportTask.objects.create(owner=waiting, linkedin_task_id="polled")
    storer = users.create_user(username="storer")
    LinkedInAccount.objects.create(user=storer, sub="storer-sub", country="US")
    stored = ExportTask.objects.create(owner=storer, linkedin_task_id="stored")

    def session_of(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    return {
        "reader": session_of(reader),
        "waiting": session_of(waiting),
        "leavers": [session_of(reader) for _ in range(count_sessions)],
        "ready": str(ready.public_id),
        "polled": str(polled.public_id),
        "stored": stored.pk,
    }


def ingest(task_pk: int, count: int) -> None:
    """Store `count` contacts for the task, as the worker does once LinkedIn answered."""
    import django

    django.setup()
    from bench.body import export_body
    from exports import linkedin_api, services
    from exports.models import ExportTask

    body = export_body(count, seed="storer")
    task = ExportTask.objects.get(pk=task_pk)
    started = time.perf_counter()
    result = linkedin_api.parse_export_task(body).result
    services.contacts_ingest(task=task, result=result)
    task.refresh_from_db()
    print(f"ingest: {count} contacts, {task.status}, {time.perf_counter() - started:.1f} s")


class Pages:
    """One round of the pages a member's browser asks for, timed, over real HTTP."""

    def __init__(self, url: str, ids: dict):
        self.url = url
        self.ids = ids
        self.reader = requests.Session()
        self.reader.cookies.set("sessionid", ids["reader"])
        self.waiting = requests.Session()
        self.waiting.cookies.set("sessionid", ids["waiting"])
        self.leavers = list(ids["leavers"])
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.failures: Counter[str] = Counter()

    def round(self) -> None:
        ready = f"/exports/{self.ids['ready']}/"
        self.get("home", self.reader, "/")
        self.get("export page", self.reader, ready)
        self.get("search", self.reader, f"{ready}?q=garcia&sort=-phone")
        self.get("status poll", self.waiting, f"/exports/{self.ids['polled']}/status/")
        if self.leavers:
            self.sign_out(self.leavers.pop())

    def get(self, page: str, session: requests.Session, path: str) -> None:
        self.timed(page, lambda: session.get(self.url + path, timeout=120), {200, 204})

    def sign_out(self, session_key: str) -> None:
        session = requests.Session()
        session.cookies.set("sessionid", session_key)
        token = CSRF_FIELD.search(session.get(self.url + "/", timeout=120).text)

        def post():
            return session.post(
                self.url + "/auth/logout/",
                data={"csrfmiddlewaretoken": token.group(1) if token else ""},
                allow_redirects=False,
                timeout=120,
            )

        self.timed("sign out (deletes the session)", post, {302})

    def timed(self, page: str, call, expected: set[int]) -> None:
        started = time.perf_counter()
        response = call()
        self.latencies[page].append(time.perf_counter() - started)
        if response.status_code not in expected:
            locked = "database is locked" in response.text
            self.failures[
                f"{page}: {response.status_code}{' database is locked' if locked else ''}"
            ] += 1


def summary(title: str, pages: Pages) -> str:
    lines = [
        "",
        title,
        "",
        "| page | requests | median ms | p95 ms | max ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    for page, values in pages.latencies.items():
        lines.append(
            f"| {page} | {len(values)} | {statistics.median(values) * 1000:.1f}"
            f" | {percentile(values, 95) * 1000:.1f} | {max(values) * 1000:.1f} |"
        )
    lines += ["", f"failures: {dict(pages.failures) or 'none'}"]
    text = "\n".join(lines) + "\n"
    print(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=250_000)
    parser.add_argument("--ingest-task", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="where the Markdown report is written"
    )
    args = parser.parse_args()
    if args.ingest_task:
        ingest(args.ingest_task, args.count)
        return
    if args.setup:
        print(json.dumps(setup(count_sessions=2_000)))
        return

    with tempfile.TemporaryDirectory(prefix="sqlite-concurrency-") as folder:
        env = environment(Path(folder) / "db.sqlite3")
        python = [sys.executable]
        subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [*python, "manage.py", "migrate", "-v0"], cwd=REPOSITORY, env=env, check=True
        )
        made = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [*python, "-m", "bench.sqlite_concurrency", "--setup"],
            cwd=REPOSITORY, env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        ids = json.loads(made.stdout.strip().splitlines()[-1])
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [*python, "manage.py", "runserver", "--noreload", f"{LOOPBACK}:{port}"],
            cwd=REPOSITORY, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://{LOOPBACK}:{port}"
        try:
            wait_until_listening(url)
            quiet = Pages(url, ids)
            for _ in range(QUIET_ROUNDS):
                quiet.round()
            report = summary("Quiet", quiet)
            loaded = Pages(url, {**ids, "leavers": quiet.leavers})
            storing = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [*python, "-m", "bench.sqlite_concurrency", "--count", str(args.count),
                 "--ingest-task", str(ids["stored"])],
                cwd=REPOSITORY, env=env,
            )  # fmt: skip
            while storing.poll() is None:
                loaded.round()
            report += summary(f"While {args.count:,} contacts are stored", loaded)
            load = " ".join(f"{value:.1f}" for value in os.getloadavg())
            args.output.write_text(
                f"# SQLite pages while a book is stored\n\nLoad average at the end: {load}.\n"
                + report
            )
        finally:
            server.terminate()
            server.wait(15)


def wait_until_listening(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/healthz", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("runserver did not start")


if __name__ == "__main__":
    main()
