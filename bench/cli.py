"""`python -m bench`: run every measurement on SQLite and PostgreSQL, print and save a report.

Each database gets a throwaway copy (a temporary SQLite file; a PostgreSQL database the
bench creates and drops) and its own worker process, since Django reads its settings once
per process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import report

REPOSITORY = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _keys(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Address-book scale of the app beside the raw limits of this machine.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1k and 10k contacts, fewer repetitions"
    )
    parser.add_argument(
        "--sizes", type=_ints, help="address-book sizes (default 1000,10000,50000,250000)"
    )
    parser.add_argument(
        "--db",
        default="sqlite,postgresql",
        help="databases to run, comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument(
        "--postgres-url",
        help="PostgreSQL server to create the throwaway database on (default: DATABASE_URL's "
        f"server if it is PostgreSQL, else {DEFAULT_POSTGRES})",
    )
    parser.add_argument("--postgres-db", default="contactsapp_bench", help="throwaway database")
    parser.add_argument("--reps", type=int, help="repetitions of ingest and CSV (default 3)")
    parser.add_argument("--page-reps", type=int, help="requests per contacts page (default 40)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile ingest, CSV and pages at the top size"
    )
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="only the ingest beside its limits (no CSV, downloads, pages or polls)",
    )
    parser.add_argument(
        "--downloads-only",
        action="store_true",
        help="only the downloads beside their limits, after one ingest of each size (no CSV, "
        "pages or polls)",
    )
    parser.add_argument(
        "--formats",
        type=_keys,
        help="download formats to measure, keys of exports.downloads.FORMATS, comma-separated "
        "(default every one)",
    )
    parser.add_argument(
        "--clients",
        type=_ints,
        help="status pollers in a closed loop, beside the trivial view (default 1,10,50; "
        "0: none, and no paced ones either unless --paced-clients)",
    )
    parser.add_argument(
        "--paced-clients",
        type=_ints,
        help="status pollers paced like the panel (--pace) (default 1,10,50,500; 0: none)",
    )
    parser.add_argument("--poll-seconds", type=float, help="length of each poll run (default 4)")
    parser.add_argument("--poll-max-requests", type=int, default=50_000, help="cap per poll run")
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=1.0,
        help="EXPORT_POLL_INTERVAL of the live server, seconds (default 1)",
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=2.0,
        help="seconds between a paced client's polls, as the status panel's htmx trigger "
        "(default 2; 0: closed loop only)",
    )
    parser.add_argument(
        "--paced-seconds", type=float, help="length of each paced poll run (default 6)"
    )
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="folder for latest.json and latest.md"
    )
    options = parser.parse_args(argv)
    quick = options.quick
    options.sizes = options.sizes or (
        [1_000, 10_000] if quick else [1_000, 10_000, 50_000, 250_000]
    )
    options.reps = options.reps or (1 if quick else 3)
    options.page_reps = options.page_reps if options.page_reps is not None else 15 if quick else 40
    if options.paced_clients is None:
        # `--clients 0` alone skips the live server altogether, as it always did.
        no_polls = options.clients is not None and not any(options.clients)
        options.paced_clients = [] if no_polls else [1, 10] if quick else [1, 10, 50, 500]
    if options.clients is None:
        options.clients = [1, 10] if quick else [1, 10, 50]
    options.clients = [count for count in options.clients if count > 0]
    options.paced_clients = [count for count in options.paced_clients if count > 0]
    options.poll_seconds = options.poll_seconds or (2.0 if quick else 3.0)
    options.paced_seconds = options.paced_seconds or (4.0 if quick else 6.0)
    if options.ingest_only or options.downloads_only:
        options.page_reps, options.clients, options.paced_clients = 0, [], []
    options.databases = [name.strip() for name in options.db.split(",") if name.strip()]
    unknown = set(options.databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    return options


# --- throwaway databases --------------------------------------------------------------------


def postgres_server(options: argparse.Namespace) -> str:
    if options.postgres_url:
        return options.postgres_url
    current = os.environ.get("DATABASE_URL", "")
    if current.startswith(("postgres://", "postgresql://")):
        return current
    return DEFAULT_POSTGRES


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@contextlib.contextmanager
def throwaway_database(kind: str, options: argparse.Namespace) -> Iterator[str]:
    """Yield a DATABASE_URL for an empty database, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="contactsapp-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    server = postgres_server(options)
    name = sql.Identifier(options.postgres_db)
    admin_url = _with_database(server, "postgres")  # libpq takes postgres:// URLs too

    def admin(statement: sql.Composable) -> None:
        with psycopg.connect(admin_url, autocommit=True) as db:
            db.execute(statement)

    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    admin(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        yield _with_database(server, options.postgres_db)
    finally:
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


# --- workers ----------------------------------------------------------------------------------


def worker_results(
    module: str, *, kinds: str, size: int, options: argparse.Namespace
) -> list[dict]:
    """Run `python -m MODULE --worker SIZE OUT` once per database kind (comma-separated), each
    on a throwaway database under production settings; return what each worker wrote."""
    results = []
    for kind in kinds.split(","):
        print(f"== {kind} ==", file=sys.stderr, flush=True)
        with (
            throwaway_database(kind, options) as url,
            tempfile.TemporaryDirectory() as folder,
        ):
            output = str(Path(folder) / "result.json")
            env = {**os.environ, **app_environment(url), "LOG_LEVEL": "WARNING"}
            subprocess.run(  # noqa: S603 (our own interpreter and module)
                [sys.executable, "-m", module, "--worker", str(size), output],
                cwd=REPOSITORY,
                env=env,
                check=True,
            )
            results.append(json.loads(Path(output).read_text()))
    return results


def report_workers(
    module: str,
    *,
    kinds: str,
    size: int,
    describe: Callable[[list[dict]], str],
    results_path: Path,
    postgres_db: str | None = None,
) -> None:
    """Run MODULE's worker once per database kind (`worker_results`), then print its report
    and keep it in `results_path`: the whole `main` of a one-measurement bench module."""
    options = parse_args(["--postgres-db", postgres_db] if postgres_db else [])
    text = describe(worker_results(module, kinds=kinds, size=size, options=options))
    results_path.write_text(text)
    print(text)


@dataclass(frozen=True)
class Knob:
    """A number a one-measurement bench module takes on its command line (`--flag`) and
    hands its worker through the environment, since the worker's command line is the
    harness's own (`--worker SIZE OUT`)."""

    flag: str
    environment: str
    default: int
    help: str = ""

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


def one_measurement(
    module: str,
    *,
    measure: Callable[..., dict],
    describe: Callable[[list[dict]], str],
    results_path: Path,
    size: int,
    postgres_db: str,
    knobs: tuple[Knob, ...] = (),
) -> None:
    """The whole command line of a one-measurement bench module: `python -m MODULE` runs its
    worker once per database and reports (`report_workers`); `--worker SIZE OUT`, the
    worker itself, runs `measure(size, *knobs)` on its migrated throwaway database."""
    if sys.argv[1:2] == ["--worker"]:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        values = [int(os.environ.get(knob.environment, knob.default)) for knob in knobs]
        Path(sys.argv[3]).write_text(json.dumps(measure(int(sys.argv[2]), *values)))
        return
    parser = argparse.ArgumentParser(prog=f"python -m {module}")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--size", type=int, default=size)
    # Its own throwaway database: `make bench` may be running beside it.
    parser.add_argument("--postgres-db", default=postgres_db)
    parser.add_argument(
        "--output", type=Path, default=results_path, help=f"default {results_path.name}"
    )
    for knob in knobs:
        parser.add_argument(knob.flag, type=int, default=knob.default, help=knob.help)
    options = parser.parse_args()
    for knob in knobs:
        os.environ[knob.environment] = str(getattr(options, knob.dest))
    report_workers(
        module,
        kinds=options.db,
        size=options.size,
        describe=describe,
        results_path=options.output,
        postgres_db=options.postgres_db,
    )


def app_environment(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG=0), minus TLS, with throwaway secrets."""
    from cryptography.fernet import Fernet

    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LINKEDIN_CLIENT_ID": "contactsapp-sandbox",
        "LINKEDIN_CLIENT_SECRET": "sandbox-secret",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "INFO",
    }


def run_worker(kind: str, options: argparse.Namespace) -> dict[str, Any]:
    with (
        throwaway_database(kind, options) as database_url,
        tempfile.TemporaryDirectory(prefix="contactsapp-bench-run-") as folder,
    ):
        app_env = app_environment(database_url)
        config = {
            "sizes": options.sizes,
            "reps": options.reps,
            "page_reps": options.page_reps,
            "memory": not options.no_memory,
            "profile": options.profile,
            "ingest_only": options.ingest_only,
            "downloads_only": options.downloads_only,
            "formats": options.formats,
            "clients": options.clients,
            "paced_clients": options.paced_clients,
            "poll_seconds": options.poll_seconds,
            "poll_max_requests": options.poll_max_requests,
            "poll_interval": options.poll_interval,
            "pace": options.pace,
            "paced_seconds": options.paced_seconds,
            "gunicorn_workers": options.gunicorn_workers,
            "gunicorn_threads": options.gunicorn_threads,
            "app_env": app_env,
        }
        config_path, output_path = Path(folder) / "config.json", Path(folder) / "result.json"
        config_path.write_text(json.dumps(config))
        # The worker's own log lines would drown the progress; the live server keeps INFO.
        env = {**os.environ, **app_env, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
        subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "bench.worker", str(config_path), str(output_path)],
            cwd=REPOSITORY,
            env=env,
            check=True,
        )
        return json.loads(output_path.read_text())


def machine_info(databases: dict[str, Any]) -> dict[str, Any]:
    import django

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    commit = ""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "django": django.get_version(),
        "databases": {
            name: f"{result['vendor']} {result['version']} via {result['driver']}"
            for name, result in databases.items()
        },
        "commit": commit,
    }


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    databases = {}
    for kind in options.databases:
        print(f"== {kind} ==", file=sys.stderr, flush=True)
        databases[kind] = run_worker(kind, options)
    results = {
        "machine": machine_info(databases),
        "config": {
            "sizes": options.sizes,
            "reps": options.reps,
            "page_reps": options.page_reps,
            "clients": options.clients,
            "paced_clients": options.paced_clients,
            "poll_seconds": options.poll_seconds,
            "poll_interval": options.poll_interval,
            "pace": options.pace,
            "paced_seconds": options.paced_seconds,
            "gunicorn": f"{options.gunicorn_workers} workers x {options.gunicorn_threads} threads",
            "quick": options.quick,
        },
        "databases": databases,
    }
    results["targets"] = report.targets(results)
    text = report.markdown(results)
    print(text)
    options.output.mkdir(parents=True, exist_ok=True)
    (options.output / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (options.output / "latest.md").write_text(text)
    for name, result in databases.items():
        for label, profile in result.get("profiles", {}).items():
            slug = label.replace(" ", "-").replace(":", "").replace("?", "").replace("=", "-")
            (options.output / f"profile-{name}-{slug}.txt").write_text(profile)
    missed = [target for target in results["targets"] if target["passed"] is False]
    print(f"{len(missed)} target(s) missed." if missed else "Every target met.", file=sys.stderr)
