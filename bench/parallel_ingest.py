"""Books stored by 2 workers at once beside one worker storing them alone (issue 20).

    .venv/bin/python -m bench.parallel_ingest                     # SQLite and PostgreSQL
    .venv/bin/python -m bench.parallel_ingest --db sqlite --books 6 --size 2000

Each database in its own process on a throwaway database, production settings
(`bench.cli.worker_results`). `--books` members (20) each have an export of the generated
book of `--size` contacts (10,000); the next export of it (`evolve`d, so each ingest also
compares) is then ingested for every member (`bench.measure.ingest_app`, the app's own
steps from LinkedIn's bytes to committed rows), by the ingest loops of
`bench.refresh_throughput`, each a process of its own started before the clock and released
at once:

1. **one worker**: one process storing all the books, one after the other;
2. **2 workers** (`--workers`): as many processes, each storing its share at the same time.

Figure: contacts/s over the wall clock from the first start to the last end. Target:
2 workers >= 1.6x one worker. The load average of the machine is printed beside each run
(the machine is shared: a figure taken under load says so). Results: stdout and
`bench/results/parallel-ingest-latest.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "parallel-ingest-latest.md"
TARGET = 1.6


def main(argv: list[str] | None = None) -> int:
    from bench.cli import parse_args, worker_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--size", type=int, default=10_000, help="contacts per book")
    parser.add_argument("--books", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres-db", default="contactsapp_bench_parallel_ingest")
    options = parser.parse_args(argv)
    if options.books % options.workers:
        parser.error("--books must be a multiple of --workers: each worker gets a share")
    os.environ["BENCH_PARALLEL_BOOKS"] = str(options.books)
    os.environ["BENCH_PARALLEL_WORKERS"] = str(options.workers)
    results = worker_results(
        "bench.parallel_ingest",
        kinds=options.db,
        size=options.size,
        options=parse_args(["--postgres-db", options.postgres_db]),
    )
    text = report(results)
    RESULTS.write_text(text)
    print(text)
    return 0 if all(result["ratio"] >= TARGET for result in results) else 1


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "# Books stored in parallel (bench/parallel_ingest.py)",
        "",
        f"Target: {TARGET}x one worker's contacts/s.",
        "",
        "| database | books x contacts | one worker | load avg | workers | in parallel "
        "| load avg | ratio | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['vendor']} {r['version']} | {r['books']} x {r['size']:,} "
            f"| {r['one_rate']:,.0f} /s | {r['one_load']} | {r['workers']} "
            f"| {r['parallel_rate']:,.0f} /s | {r['parallel_load']} | {r['ratio']:.2f} "
            f"| {'met' if r['ratio'] >= TARGET else '**missed**'} |"
        )
    return "\n".join(lines) + "\n"


def worker(size: int, output: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from bench.measure import database_version, vendor
    from bench.refresh_throughput import _parallel_ingest

    call_command("migrate", verbosity=0, interactive=False)
    books = int(os.environ["BENCH_PARALLEL_BOOKS"])
    workers = int(os.environ["BENCH_PARALLEL_WORKERS"])
    print(f"one worker: {books} books of {size:,}", file=sys.stderr, flush=True)
    one_rate = _parallel_ingest(size, processes=1, books=books)
    one_load = _load()
    print(f"{workers} workers: {books // workers} books each", file=sys.stderr, flush=True)
    parallel_rate = _parallel_ingest(size, processes=workers, books=books // workers)
    result = {
        "vendor": vendor(),
        "version": database_version(),
        "size": size,
        "books": books,
        "workers": workers,
        "one_rate": one_rate,
        "one_load": one_load,
        "parallel_rate": parallel_rate,
        "parallel_load": _load(),
        "ratio": parallel_rate / one_rate,
    }
    Path(output).write_text(json.dumps(result))


def _load() -> str:
    return " ".join(f"{load:.1f}" for load in os.getloadavg())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(main())
