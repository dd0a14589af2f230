"""Status polling under load, against a live gunicorn and a live LinkedIn sandbox.

Everything listens on 127.0.0.1 and is bounded in time and in requests. The load is
generated with threads and `http.client` keep-alive connections, one per client.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from bench.measure import median, percentile
from linkedin_sandbox.client import SandboxClient

REPOSITORY = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A child process serving HTTP on the loopback interface, logging to a file."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    ready_path: str
    log_path: Path
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                self.command, cwd=REPOSITORY, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer in {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextlib.contextmanager
def live_servers(
    *, app_env: dict[str, str], log_dir: Path, workers: int, threads: int
) -> Iterator[tuple[SandboxClient, Server]]:
    """Start the sandbox, then the app under gunicorn pointed at it; stop both at the end."""
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SANDBOX_") and key != "DJANGO_SETTINGS_MODULE"
    }
    # Tasks stay IN_PROGRESS for the whole run: status polls never turn into an ingest.
    sandbox = SandboxClient(env={"SANDBOX_TASK_SECONDS": "3600"}, log_path=log_dir / "sandbox.log")
    sandbox.start()
    try:
        app_port = free_port()
        env = {
            **base_env,
            **app_env,
            "ALLOWED_HOSTS": LOOPBACK,
            "LINKEDIN_OIDC_DISCOVERY_URL": sandbox.discovery_url,
            "LINKEDIN_API_BASE_URL": sandbox.url,
            "AUTHLIB_INSECURE_TRANSPORT": "1",
        }
        app = Server(
            name="gunicorn",
            command=[
                sys.executable,
                "-m",
                "gunicorn",
                "contactsapp.wsgi:application",
                f"--bind={LOOPBACK}:{app_port}",
                f"--workers={workers}",
                f"--threads={threads}",
                "--worker-class=gthread",
                "--keep-alive=5",
            ],
            env=env,
            port=app_port,
            ready_path="/bench/floor/",
            log_path=log_dir / "gunicorn.log",
        )
        app.start()
        try:
            yield sandbox, app
        finally:
            app.stop()
    finally:
        sandbox.stop()


# --- a member, signed in for real -----------------------------------------------------------


def sign_in_and_export(
    app_url: str, sandbox: SandboxClient, member: str = "typical"
) -> tuple[str, str]:
    """Sign in through the sandbox's consent page and start an export, as a browser would.

    Return the session cookie and the export's public id.
    """
    browser = requests.Session()
    login = browser.get(f"{app_url}/auth/login/", allow_redirects=False, timeout=30)
    if login.status_code != 302:
        raise RuntimeError(f"/auth/login/ answered {login.status_code}")
    callback_url = sandbox.consent(login.headers["Location"], member=member)
    callback = browser.get(callback_url, allow_redirects=False, timeout=30)
    if callback.status_code != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"the sign-in callback answered {callback.status_code}")
    browser.get(f"{app_url}/", timeout=30)  # the home page sets the CSRF cookie
    started = browser.post(
        f"{app_url}/exports/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    if started.status_code != 302:
        raise RuntimeError(f"POST /exports/ answered {started.status_code}")
    public_id = urlsplit(started.headers["Location"]).path.strip("/").split("/")[-1]
    return browser.cookies["sessionid"], public_id


# --- the load ---------------------------------------------------------------------------------


def poll_load(
    *,
    port: int,
    path: str,
    cookie: str,
    clients: int,
    seconds: float,
    max_requests: int,
    every: float = 0.0,
) -> dict[str, Any]:
    """`clients` threads GET `path` for `seconds` (at most `max_requests` in all).

    `every` = 0 is a closed loop: each client asks again as soon as it is answered, the
    heaviest load N clients can make. `every` > 0 paces each client like the status panel
    (htmx `every 2s`), the clients' schedules spread evenly over one period.
    """
    headers = {"Cookie": f"sessionid={cookie}", "HX-Request": "true", "Connection": "keep-alive"}
    issued = itertools.count()
    start_line = threading.Barrier(clients + 1)
    results: list[tuple[list[float], int]] = [([], 0)] * clients
    clock = {"began": 0.0, "deadline": 0.0}

    def client(index: int) -> None:
        latencies: list[float] = []
        errors = 0
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        start_line.wait()
        due = clock["began"] + (every * index / clients if every else 0.0)
        while True:
            if every:
                time.sleep(max(0.0, due - time.perf_counter()))
                due += every
            if time.perf_counter() >= clock["deadline"] or next(issued) >= max_requests:
                break
            begin = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
                ok = False
            if ok:
                latencies.append(time.perf_counter() - begin)
            else:
                errors += 1
        conn.close()
        results[index] = (latencies, errors)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    clock["began"] = time.perf_counter()
    clock["deadline"] = clock["began"] + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - clock["began"]
    latencies = [value for client_latencies, _ in results for value in client_latencies]
    errors = sum(client_errors for _, client_errors in results)
    if not latencies:
        raise RuntimeError(f"no successful request to {path} ({errors} errors)")
    return {
        "clients": clients,
        "pace": f"every {every:g} s" if every else "closed loop",
        "seconds": wall,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / wall,
        "median_ms": median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies) * 1000,
    }


def sandbox_polls(sandbox: SandboxClient, linkedin_task_id: str) -> int:
    return int(sandbox.stats().get("task_polls", {}).get(linkedin_task_id, 0))


def polls_measure(
    *,
    app_env: dict[str, str],
    log_dir: Path,
    clients: list[int],
    seconds: float,
    paced_seconds: float,
    pace: float,
    max_requests: int,
    poll_interval: float,
    workers: int,
    threads: int,
) -> dict[str, Any]:
    """Polls of one in-progress export by N clients: with no upstream call due, then due.

    With no call due the status view should only read; when a call is due, however many
    clients poll, LinkedIn should be asked about once per `poll_interval`.
    """
    from django.utils import timezone

    from exports.models import ExportTask

    env = {**app_env, "EXPORT_POLL_INTERVAL": str(poll_interval)}
    runs = []
    with live_servers(app_env=env, log_dir=log_dir, workers=workers, threads=threads) as (
        sandbox,
        app,
    ):
        cookie, public_id = sign_in_and_export(app.url, sandbox)
        task = ExportTask.objects.get(public_id=public_id)
        status_path = f"/exports/{public_id}/status/"
        load = {"port": app.port, "cookie": cookie, "max_requests": max_requests}
        # Warm every worker and thread (connections, templates) before measuring.
        poll_load(path="/bench/floor/", clients=max(clients), seconds=1.0, **load)

        plan = [("no call due", pace, paced_seconds)] if pace else []
        plan += [("no call due", 0.0, seconds), ("call due", 0.0, seconds)]
        for scenario, every, window in plan:
            for count in clients:
                wait = timedelta(hours=1) if scenario == "no call due" else timedelta(0)
                ExportTask.objects.filter(pk=task.pk).update(
                    next_check_at=timezone.now() + wait, consecutive_errors=0, note=""
                )
                before = sandbox_polls(sandbox, task.linkedin_task_id)
                run = poll_load(
                    path=status_path, clients=count, seconds=window, every=every, **load
                )
                run["upstream_calls"] = sandbox_polls(sandbox, task.linkedin_task_id) - before
                run["scenario"] = scenario
                runs.append(run)
        floor = poll_load(path="/bench/floor/", clients=max(clients), seconds=seconds, **load)
        floor["scenario"] = "floor (trivial view)"
        runs.append(floor)
        task.refresh_from_db()
    return {
        "workers": workers,
        "threads": threads,
        "pace_seconds": pace,
        "poll_interval": poll_interval,
        "window_seconds": seconds,
        "paced_window_seconds": paced_seconds,
        "task_status_after": task.status,
        "runs": runs,
    }
