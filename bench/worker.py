"""One database's share of the benchmark, in its own process (settings are per process).

`python -m bench` starts it with DATABASE_URL and the other settings in the environment,
and reads the JSON it writes. Not meant to be run by hand.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
from pathlib import Path
from typing import Any

# Every download format is measured at these sizes and above (issue 11: 50,000 and 250,000,
# and 10,000 for the flat-memory ratio).
DOWNLOADS_FROM = 10_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def profile_top(function, lines: int = 25) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(function)
    return profile_summary(profiler, lines)


def profile_summary(source: cProfile.Profile | str, lines: int = 25) -> str:
    """The top `lines` by cumulative and by own time of a profile (or a saved one's file)."""
    out = io.StringIO()
    stats = pstats.Stats(source, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)
    # Keep the report free of this machine's paths: name files from the project root.
    root = str(Path(__file__).resolve().parent.parent) + os.sep
    return out.getvalue().replace(root, "").replace(sys.prefix + os.sep, "")


def run(config: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import measure

    call_command("migrate", verbosity=0, interactive=False)
    name = measure.vendor()
    result: dict[str, Any] = {
        "vendor": name,
        "version": measure.database_version(),
        "ingest": [],
        "csv": [],
        "downloads": [],
    }
    if name == "postgresql":
        import psycopg

        result["driver"] = f"psycopg {psycopg.__version__}"
    else:
        import sqlite3

        result["driver"] = f"sqlite3 (SQLite {sqlite3.sqlite_version})"

    # Warm-up, not recorded: imports, first queries and the like are not the ingest's.
    measure.ingest_app(measure.export_body(100), measure.bench_user())
    task = None
    for size in config["sizes"]:
        downloads_only = config.get("downloads_only")
        # The downloads alone need one book of the size, not the ingest's repetitions.
        ingest_reps = 1 if downloads_only else config["reps"]
        log(f"[{name}] ingest {size:,} contacts x{ingest_reps}")
        ingest, task = measure.ingest_measure(
            size, reps=ingest_reps, memory=config["memory"] and not downloads_only
        )
        result["ingest"].append(ingest)
        if config.get("ingest_only"):
            continue
        if not downloads_only:
            log(f"[{name}] CSV of {size:,} contacts x{config['reps']}")
            result["csv"].append(
                measure.csv_measure(task, reps=config["reps"], memory=config["memory"])
            )
        if size >= DOWNLOADS_FROM:
            log(f"[{name}] downloads of {size:,} contacts x{config['reps']}")
            result["downloads"].append(
                measure.downloads_measure(
                    task,
                    reps=config["reps"],
                    memory=config["memory"],
                    formats=config.get("formats"),
                )
            )
    following = None
    if task is not None and config["page_reps"]:
        log(f"[{name}] contacts page at {task.contact_count:,} contacts x{config['page_reps']}")
        # The member's next export of the same book, so the page showing changes exists.
        following = measure.next_export(task)
        result["page"] = measure.pages_measure(task, following=following, reps=config["page_reps"])

    if config["profile"] and task is not None:
        log(f"[{name}] profiling at {task.contact_count:,} contacts")
        body = measure.export_body(task.contact_count)
        client = measure.signed_in_client(task.owner)
        urls = measure.page_urls(task, following=following)
        result["profiles"] = {
            "ingest": profile_top(lambda: measure.ingest_app(body, measure.bench_user())),
            "csv": profile_top(lambda: measure.download_app(client, measure.csv_url(task))),
            **{
                f"page: {label}": profile_top(
                    lambda url=url: measure.time_get(client, url, reps=20, warmup=0)
                )
                for label, url in urls.items()
                if not label.startswith("floor")
            },
        }

    if config["clients"] or config["paced_clients"]:
        from bench import live

        log(
            f"[{name}] status polls, live gunicorn, clients {config['clients']} in a closed "
            f"loop, {config['paced_clients']} paced"
        )
        connection.close()
        with tempfile.TemporaryDirectory(prefix="bench-logs-") as log_dir:
            result["polls"] = live.polls_measure(
                app_env=config["app_env"],
                log_dir=Path(log_dir),
                clients=config["clients"],
                paced_clients=config["paced_clients"],
                seconds=config["poll_seconds"],
                paced_seconds=config["paced_seconds"],
                pace=config["pace"],
                max_requests=config["poll_max_requests"],
                poll_interval=config["poll_interval"],
                workers=config["gunicorn_workers"],
                threads=config["gunicorn_threads"],
            )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("config", help="JSON file written by python -m bench")
    parser.add_argument("output", help="where to write the results (JSON)")
    options = parser.parse_args()
    config = json.loads(Path(options.config).read_text())
    result = run(config)
    Path(options.output).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
