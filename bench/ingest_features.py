"""Ingest: each feature's own work alone, beside the same-columns limit (issue 20).

    .venv/bin/python -m bench.ingest_features                   # SQLite and PostgreSQL, 250,000
    .venv/bin/python -m bench.ingest_features --db sqlite --size 50000

The limit (`bench.measure.ingest_limit`) parses the body with `json.loads` and inserts the
contact columns as given: ranks, international phones, e-mail keys and groups are not
computed. The ingest must compute them. This measures, in one process on a throwaway
database, each of those computations alone, over the same book, with the app's own
functions, and the app's whole ingest, so the miss of "ingest <= 3x the limit" can be read
as what the features cost and what the rest is:

- **reading**: the app's bounded, checked stream of the body (`checked_contacts`), once,
  beyond what `json.loads` of it takes (which the limit includes);
- **phones**: `PhoneReader.international` (libphonenumber, memoised per distinct number);
- **sort keys**: `SortKeys` (ICU collation keys of name, e-mail and phone) and their ranks;
- **fingerprints**: the e-mail and name keys and the member's four HMACs a contact (the
  body of `exports.services.rows.fingerprint_rows`' loop, which does phones, sort keys,
  fingerprints and duplicates in one pass: follow it when it changes);
- **duplicates**: `DuplicateKeys` and the grouping of the same person;
- **search text**: the folded text a contact is searched in;
- **search index**: the trigram index of that text (SQLite's FTS5 table, PostgreSQL's
  `pg_trgm` GIN index): a TEMP table filled with and without it, the difference.

Results: stdout and `bench/results/ingest-features-latest.md`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "ingest-features-latest.md"
TARGET = 3.0
FEATURES = [
    "reading",
    "phones",
    "sort keys",
    "fingerprints",
    "duplicates",
    "search text",
    "search index",
]


def main(argv: list[str] | None = None) -> int:
    from bench.cli import parse_args, worker_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--size", type=int, default=250_000)
    # Its own throwaway database: `make bench` may be running beside it.
    parser.add_argument("--postgres-db", default="contactsapp_bench_ingest_features")
    options = parser.parse_args(argv)
    bench_options = parse_args(["--postgres-db", options.postgres_db])
    results = worker_results(
        "bench.ingest_features", kinds=options.db, size=options.size, options=bench_options
    )
    text = report(results)
    RESULTS.write_text(text)
    print(text)
    return 0


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "# Ingest: each feature's own work beside the limit (bench/ingest_features.py)",
        "",
        "Seconds for one book, each measured alone over the same contacts with the app's "
        "functions; ratios to the same-columns limit of the same run. The issue's target is "
        f"the whole ingest <= {TARGET:g}x the limit.",
        "",
        "| database | contacts | limit s | app s (x limit) | "
        + " | ".join(FEATURES)
        + " | features together (x limit) | rest (x limit) | load avg |",
        "| --- | --- | --- | --- | " + " | ".join("---" for _ in FEATURES) + " | --- | --- | --- |",
    ]
    for r in results:
        limit = r["limit"]
        together = sum(r["features"].values())
        cells = " | ".join(
            f"{r['features'][name]:.2f} ({r['features'][name] / limit:.1f}x)" for name in FEATURES
        )
        lines.append(
            f"| {r['vendor']} {r['version']} | {r['size']:,} | {limit:.2f} "
            f"| {r['app']:.2f} ({r['app'] / limit:.1f}x) | {cells} "
            f"| {together:.2f} ({together / limit:.1f}x) "
            f"| {r['app'] - together:.2f} ({(r['app'] - together) / limit:.1f}x) | {r['load']} |"
        )
    lines += [
        "",
        '"Rest" is the app\'s ingest minus the features together: the second reading of the '
        "body, building the rows, staging and writing them and their indexes beyond the "
        "limit's, and the transaction (the member's first export: there is nothing to "
        "compare it with).",
    ]
    return "\n".join(lines) + "\n"


def _seconds(work: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def worker(size: int, output: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from bench.body import export_body
    from bench.measure import (
        bench_user,
        database_version,
        ingest_app,
        ingest_limit,
        raw_table_ensure,
        vendor,
    )
    from exports import linkedin_api

    body = export_body(size)
    owner = bench_user("features")
    ingest_app(export_body(100), bench_user("warm-up"))
    task, app_seconds = ingest_app(body, owner)
    raw_table_ensure()
    limit = ingest_limit(body, task.pk)
    contacts = list(linkedin_api.parse_export_task(body).result.checked_contacts())
    # The limit reads the body with `json.loads`: only what the app's reading costs beyond
    # that is the reading's own.
    loads = _seconds(lambda: json.loads(body))
    features = {
        "reading": _seconds(
            lambda: sum(1 for _ in linkedin_api.parse_export_task(body).result.checked_contacts())
        )
        - loads,
        **_computed(contacts, owner_id=owner.pk, collation=task.collation),
        "search index": _search_index_seconds(contacts),
    }
    result = {
        "vendor": vendor(),
        "version": database_version(),
        "size": size,
        "limit": limit,
        "app": app_seconds,
        "features": features,
        "load": " ".join(f"{load:.1f}" for load in os.getloadavg()),
    }
    Path(output).write_text(json.dumps(result))


def _computed(contacts: list, *, owner_id: int, collation: str) -> dict[str, float]:
    """The seconds of each computation the ingest makes per contact, alone."""
    from exports import collation as collations
    from exports import matching
    from exports.duplicates import DuplicateKeys
    from exports.phones import PhoneReader
    from exports.sort_ranks import SortKeys

    reader = PhoneReader(region="US")
    internationals: list[str] = []
    phones = _seconds(
        lambda: internationals.extend(reader.international(c.phone) for c in contacts)
    )

    def sort_keys() -> None:
        keys = SortKeys(collation)
        for position, contact in enumerate(contacts):
            keys.add(position, contact)
        keys.ranks()

    fingerprint = matching.fingerprinter(owner_id=owner_id)
    prints: list[tuple[int, int]] = []

    def fingerprints() -> None:
        for contact, international in zip(contacts, internationals, strict=True):
            email_key = matching.email_key(contact.email)
            reachable = international or contact.phone
            email, phone = fingerprint(email_key), fingerprint(reachable)
            fingerprint(matching.name_key(contact.name))
            fingerprint(f"{email_key}\x00{reachable}" if email_key or contact.phone else "")
            prints.append((email, phone if international else 0))

    def duplicates() -> None:
        keys = DuplicateKeys()
        for contact, (email, phone) in zip(contacts, prints, strict=True):
            keys.add(email=email, phone=phone, name=contact.name)
        keys.groups()

    return {
        "phones": phones,
        "sort keys": _seconds(sort_keys),
        "fingerprints": _seconds(fingerprints),
        "duplicates": _seconds(duplicates),
        "search text": _seconds(
            lambda: [collations.search_text(c.name, c.email, c.phone) for c in contacts]
        ),
    }


def _search_index_seconds(contacts: list) -> float:
    """Fill a TEMP table of the contacts' search text with and without the database's
    trigram index; return the difference."""
    from django.db import connection, transaction

    from exports import collation as collations

    texts = [(collations.search_text(c.name, c.email, c.phone),) for c in contacts]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # As the ingest fills it: one INSERT ... SELECT of the stored texts.
            cursor.execute("CREATE TEMP TABLE bench_plain (search_text TEXT)")
            cursor.executemany("INSERT INTO bench_plain VALUES (%s)", texts)
            cursor.execute(
                "CREATE VIRTUAL TABLE temp.bench_indexed USING fts5(search_text, "
                "tokenize='trigram', detail='none')"
            )
            return _seconds(
                lambda: cursor.execute(
                    "INSERT INTO bench_indexed (rowid, search_text) "
                    "SELECT rowid, search_text FROM bench_plain"
                )
            )
        # As the app's (migration 0013): the book's key beside the text's trigrams.
        cursor.execute("CREATE TEMP TABLE bench_plain (task_id bigint, search_text text)")
        cursor.execute("CREATE TEMP TABLE bench_indexed (task_id bigint, search_text text)")
        cursor.execute(
            "CREATE INDEX bench_indexed_trigrams ON bench_indexed "
            "USING gin (task_id, search_text gin_trgm_ops)"
        )

        def copied(table: str) -> Callable[[], None]:
            def copy() -> None:
                with cursor.copy(f"COPY {table} (task_id, search_text) FROM STDIN") as writing:
                    for (text,) in texts:
                        writing.write_row((1, text))
                cursor.execute("SELECT gin_clean_pending_list('bench_indexed_trigrams')")

            return copy

        plain = _seconds(copied("bench_plain"))
        indexed = _seconds(copied("bench_indexed"))
        return max(0.0, indexed - plain)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(main())
