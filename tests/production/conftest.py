"""Real processes on a real PostgreSQL: gunicorn, workers, the purger, and a cluster of our own.

The crash tests kill and restart things, so they get a throwaway PostgreSQL cluster (Debian's
`initdb` and `pg_ctl`, run as the `postgres` user, data in a temporary folder, on a free
port) rather than the shared server of the machine; each test gets a fresh database copied
from one migrated template. The app's processes are started exactly as a deployment starts
them (`gunicorn`, `manage.py poll_exports --loop`, ...), with the production settings.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from linkedin_sandbox.client import REPOSITORY_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Cluster:
    """A PostgreSQL cluster of our own, to stop and start at will."""

    def __init__(self, directory: Path):
        self.bin = _postgres_bin()
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def create(self) -> None:
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"
        )
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.directory / "postgres.log")
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(sql)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if _postgres_bin() is None or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root and Debian's PostgreSQL server binaries (initdb, pg_ctl)")
    # Not under pytest's temporary folder: the postgres user cannot enter root's.
    directory = Path(tempfile.mkdtemp(prefix="contactsapp-postgres-"))
    cluster = Cluster(directory)
    try:
        cluster.create()
        cluster.execute("CREATE DATABASE app_template")
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=REPOSITORY_ROOT,
            env={**os.environ, "DATABASE_URL": cluster.url("app_template")},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrate.returncode == 0, migrate.stderr
        yield cluster
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


class Database:
    """One test's database, with the SQL the tests check the app's work with."""

    def __init__(self, cluster: Cluster, name: str):
        self.cluster = cluster
        self.name = name
        self.url = cluster.url(name)

    def rows(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def execute(self, sql: str, *params) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql, params)

    def value(self, sql: str, *params):
        return self.rows(sql, *params)[0][0]

    def task(self) -> dict:
        """The one export of the test, as a dict of its columns."""
        with psycopg.connect(self.url, autocommit=True) as connection:
            cursor = connection.execute("SELECT * FROM exports_exporttask ORDER BY id")
            names = [column.name for column in cursor.description]
            rows = cursor.fetchall()
        assert len(rows) == 1, f"{len(rows)} exports"
        return dict(zip(names, rows[0], strict=True))


@pytest.fixture
def database(cluster, request) -> Database:
    name = f"t_{os.getpid()}_{request.node.name[:30].lower()}".replace("-", "_")
    name = "".join(character for character in name if character.isalnum() or character == "_")
    cluster.execute(f'DROP DATABASE IF EXISTS "{name}"')
    cluster.execute(f'CREATE DATABASE "{name}" TEMPLATE app_template')
    return Database(cluster, name)


class Processes:
    """The app's processes of one test, each in its own process group, each with a log."""

    def __init__(self, directory: Path, database: Database, sandbox):
        self.directory = directory
        self.env = {
            **os.environ,
            "DATABASE_URL": database.url,
            "LINKEDIN_OIDC_DISCOVERY_URL": sandbox.discovery_url,
            "LINKEDIN_API_BASE_URL": sandbox.url,
            # A short timeout makes a short lease (4x): a dead worker's task is free soon.
            "LINKEDIN_TIMEOUT": "3",
            "EXPORT_POLL_INTERVAL": "1",
            "EXPORT_MAX_BACKOFF": "2",
            "CONN_MAX_AGE": "60",
            "PYTHONUNBUFFERED": "1",
        }
        self.started: list[subprocess.Popen] = []
        self.logs: dict[int, Path] = {}

    def start(self, name: str, argv: list[str], **env: str) -> subprocess.Popen:
        log = self.directory / f"{name}-{len(self.started)}.log"
        with open(log, "wb") as output:
            process = subprocess.Popen(
                argv,
                cwd=REPOSITORY_ROOT,
                env={**self.env, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        self.logs[process.pid] = log
        return process

    def log(self, process: subprocess.Popen) -> str:
        return self.logs[process.pid].read_text(errors="replace")

    def web(self, **env: str) -> tuple[subprocess.Popen, str]:
        """Start gunicorn as the image does; return it and its URL once it answers."""
        port = free_port()
        process = self.start(
            "web",
            [sys.executable, "-m", "gunicorn", "contactsapp.wsgi:application"],
            HOST="127.0.0.1",
            PORT=str(port),
            WEB_CONCURRENCY="2",
            **env,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, self.log(process)
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/readyz", timeout=10).status_code == 200:
                    return process, url
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not get ready:\n{self.log(process)}")

    def worker(self, *extra: str, **env: str) -> subprocess.Popen:
        return self.start(
            "worker",
            [sys.executable, "manage.py", "poll_exports", "--loop", "--sleep", "0.2", *extra],
            **env,
        )

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the process and everything it started (gunicorn's workers)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                self.kill(process)


@pytest.fixture
def processes(tmp_path, database, sandbox) -> Iterator[Processes]:
    running = Processes(tmp_path, database, sandbox)
    try:
        yield running
    finally:
        running.stop_all()
