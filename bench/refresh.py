"""The worker's refresh round at 10,000 and 100,000 members with automatic refresh on.

    .venv/bin/python -m bench.refresh                      # SQLite and PostgreSQL
    .venv/bin/python -m bench.refresh --db sqlite --sizes 10000 --reps 50

Each database is a throwaway (`bench.cli.throwaway_database`), worked on by a process of
its own with the production settings. The members' `wake_at` are spread over the next day
and 50 of them are due. Timed, each beside the same run's floor (one row by its primary
key, the cheapest indexed SELECT there is):

* the due-finding query of `refresh.services.refreshes_start_due` (the 50 due, up to 100);
* the whole round when nobody is due (what every worker pays every second);

with the query plan (EXPLAIN), which must be a range of the `refresh_wake` index. The
target: p95 <= 25 ms at each size. Results: stdout and `bench/results/refresh-latest.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

RESULTS = Path(__file__).resolve().parent / "results" / "refresh-latest.md"
TARGET_MS = 25.0
DUE = 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reps", type=int, default=200, help="timed runs of each query")
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--postgres-db", default="contactsapp_bench_refresh")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        return _worker(options)

    from bench.cli import app_environment, throwaway_database

    kinds = ["sqlite", "postgres"] if options.db == "both" else [options.db]
    runs = []
    for kind in kinds:
        with throwaway_database(kind, SimpleNamespace(**vars(options))) as database_url:
            argv = [sys.executable, "-m", "bench.refresh", "--worker", "--reps", str(options.reps)]
            argv += ["--sizes", *map(str, options.sizes)]
            env = {**os.environ, **app_environment(database_url), "LOG_LEVEL": "WARNING"}
            answer = subprocess.run(  # noqa: S603 (our own interpreter and module)
                argv, env=env, capture_output=True, text=True, check=True
            )
            runs.append({"database": kind, **json.loads(answer.stdout.splitlines()[-1])})
    report = _report(runs)
    print(report)
    RESULTS.write_text(report)
    return 0 if all(_passed(size) for run in runs for size in run["sizes"]) else 1


def _passed(size: dict) -> bool:
    return size["due_p95_ms"] <= TARGET_MS and size["round_p95_ms"] <= TARGET_MS and size["ranged"]


def _report(runs: list[dict]) -> str:
    lines = [
        "# The refresh round (bench/refresh.py)",
        "",
        f"{DUE} members due, up to 100 taken; p50 / p95 in ms; target p95 <= {TARGET_MS:g} ms.",
        "",
        "| database | members | due query | round, nobody due | floor: one row by key | "
        "index range | target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        for size in run["sizes"]:
            lines.append(
                f"| {run['database']} ({run['version']}) | {size['members']:,} "
                f"| {size['due_p50_ms']:.2f} / {size['due_p95_ms']:.2f} "
                f"| {size['round_p50_ms']:.2f} / {size['round_p95_ms']:.2f} "
                f"| {size['floor_p50_ms']:.2f} / {size['floor_p95_ms']:.2f} "
                f"| {'yes' if size['ranged'] else '**no**'} "
                f"| {'met' if _passed(size) else '**missed**'} |"
            )
    for run in runs:
        for size in run["sizes"]:
            lines += [
                "",
                f"EXPLAIN, {run['database']}, {size['members']:,} members:",
                "",
                "```",
                size["plan"],
                "```",
            ]
    return "\n".join(lines) + "\n"


# --- the worker process: one database ---------------------------------------------------------


def _worker(options: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    sizes = [_size_measure(members, reps=options.reps) for members in sorted(options.sizes)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    print(json.dumps({"version": version, "sizes": sizes}))
    return 0


def _size_measure(members: int, *, reps: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from bench.measure import percentile
    from refresh import services
    from refresh.models import RefreshSubscription

    now = timezone.now()
    _members_top_up(members, now=now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    due = (
        RefreshSubscription.objects.filter(wake_at__lte=now)
        .order_by("wake_at")
        .values_list("pk", "wake_at")[:100]
    )
    assert len(list(due)) == DUE
    some = RefreshSubscription.objects.order_by("pk").values_list("pk", flat=True)[members // 2]
    floor = RefreshSubscription.objects.filter(pk=some).values_list("pk", "wake_at")
    nobody_due = now - timedelta(hours=1)

    due_times = _timed(lambda: list(due.all()), reps)
    round_times = _timed(lambda: services.refreshes_start_due(now=nobody_due), reps)
    floor_times = _timed(lambda: list(floor.all()), reps)
    plan = due.explain()
    return {
        "members": members,
        "due_p50_ms": percentile(due_times, 0.5),
        "due_p95_ms": percentile(due_times, 0.95),
        "round_p50_ms": percentile(round_times, 0.5),
        "round_p95_ms": percentile(round_times, 0.95),
        "floor_p50_ms": percentile(floor_times, 0.5),
        "floor_p95_ms": percentile(floor_times, 0.95),
        "plan": plan,
        # SQLite: "SEARCH ... USING INDEX refresh_wake (wake_at<?)"; PostgreSQL: "Index
        # Scan using refresh_wake" with an index condition on wake_at.
        "ranged": "refresh_wake" in plan and "SCAN refresh_refreshsubscription" not in plan,
    }


def _members_top_up(members: int, *, now) -> None:
    """Make `members` members with automatic refresh on, `DUE` of them due, the rest
    waking over the next day."""
    from django.contrib.auth import get_user_model

    from refresh.models import RefreshSubscription

    user_model = get_user_model()
    have = RefreshSubscription.objects.count()
    batch = 5000
    for start in range(have, members, batch):
        numbers = range(start, min(members, start + batch))
        users = user_model.objects.bulk_create(
            user_model(username=f"bench-refresh-{number}") for number in numbers
        )
        RefreshSubscription.objects.bulk_create(
            RefreshSubscription(
                user=user,
                enabled=True,
                enabled_at=now,
                wake_at=now + timedelta(seconds=1 + (number * 86400 / members) % 86400),
                refresh_due_at=now + timedelta(days=1),
            )
            for number, user in zip(numbers, users, strict=True)
        )
    # The same `DUE` members are due at every size.
    RefreshSubscription.objects.filter(wake_at__lte=now).update(wake_at=now + timedelta(hours=2))
    first = RefreshSubscription.objects.order_by("pk").values_list("pk", flat=True)[:DUE]
    RefreshSubscription.objects.filter(pk__in=list(first)).update(
        wake_at=now - timedelta(minutes=5)
    )


def _timed(action, reps: int) -> list[float]:
    for _ in range(5):  # warm the caches and the connection
        action()
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


if __name__ == "__main__":
    sys.exit(main())
