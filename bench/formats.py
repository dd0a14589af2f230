"""Issue 10 at address-book scale: duplicates, fingerprints and changes at ingest, the
changes of 50,000 contacts against 50,000, and the pages. Every download format is in
`make bench` (`bench.measure.downloads_measure`), beside its limit.

A separate module beside `make bench` (whose files it only imports): it runs each database
in its own process, on a throwaway database, with the production settings.

    .venv/bin/python -m bench.formats                      # SQLite and PostgreSQL, 50,000
    .venv/bin/python -m bench.formats --db sqlite --size 10000

Prints a Markdown table and writes it to `bench/results/formats-latest.md`.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "formats-latest.md"


def _seconds(function) -> float:
    gc.collect()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _page(client, url: str, reps: int = 15) -> float:
    for _ in range(3):
        client.get(url, secure=True)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        response = client.get(url, secure=True)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return statistics.median(times)


def measure(size: int) -> dict[str, Any]:
    """Run in the worker process: Django is set up on a migrated throwaway database."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client

    from bench.body import export_body
    from contactsapp.models import LinkedInAccount
    from exports import linkedin_api, services
    from exports.models import ContactFingerprint, ExportTask
    from linkedin_sandbox import addressbook

    owner = get_user_model().objects.create_user(username="formats-bench")
    LinkedInAccount.objects.create(user=owner, sub="formats-bench", country="US")

    def ingest(user, contacts: list[dict]) -> tuple[ExportTask, float]:
        body = export_body(0).replace(b'"contacts":[]', b'"contacts":' + _json(contacts), 1)
        task = ExportTask.objects.create(owner=user, linkedin_task_id="AQformats")
        start = time.perf_counter()
        services.contacts_ingest(task=task, result=linkedin_api.parse_export_task(body).result)
        seconds = time.perf_counter() - start
        task.refresh_from_db()
        return task, seconds

    def _json(contacts: list[dict]) -> bytes:
        return json.dumps(contacts, ensure_ascii=False, separators=(",", ":")).encode()

    book = addressbook.generate("bench", size)
    figures: dict[str, Any] = {"vendor": connection.vendor, "size": size}
    first, figures["ingest_first_s"] = ingest(owner, book)
    # Few changes (a new export of the same book) and many (another book altogether).
    evolved = addressbook.evolve("bench", book, 1)
    second, figures["ingest_second_s"] = ingest(owner, evolved)
    figures["changes_evolved"] = _figures(second)
    third, figures["ingest_other_book_s"] = ingest(owner, addressbook.generate("bench-b", size))
    figures["changes_other_book"] = _figures(third)
    figures["duplicates"] = first.duplicate_count

    # Each step alone, on the stored rows (each re-run from a clean state, in a transaction
    # as at ingest).
    def step(function) -> float:
        with transaction.atomic():
            return _seconds(lambda: function(task=third))

    # Duplicates and fingerprints are found while the book is read, in the ingest's own
    # time; the comparison is re-run from fingerprints not yet matched.
    ContactFingerprint.objects.filter(task=third).update(
        matched_by="", previous_position=None, email_changed=False, phone_changed=False
    )
    figures["compare_s"] = step(services.export_compare_with_previous)
    figures["changes_recomputed_same"] = _figures(third) == figures["changes_other_book"]

    client = Client()
    client.force_login(owner)
    figures["page_with_changes_ms"] = _page(client, f"/exports/{third.public_id}/") * 1000
    figures["duplicates_page_ms"] = _page(client, f"/exports/{third.public_id}/duplicates/") * 1000
    return figures


def _figures(task) -> tuple[int, int, int]:
    comparison = task.comparison
    return comparison.new_count, comparison.changed_count, comparison.removed_count


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def report(results: list[dict[str, Any]]) -> str:
    def changes(figures: list[int]) -> str:
        return "/".join(f"{value:,}" for value in figures)

    steps = [
        [
            r["vendor"],
            f"{r['size']:,}",
            f"{r['ingest_first_s']:.2f}",
            f"{r['ingest_second_s']:.2f}",
            f"{r['ingest_other_book_s']:.2f}",
            f"{r['compare_s']:.2f}",
            changes(r["changes_evolved"]),
            changes(r["changes_other_book"]),
            f"{r['duplicates']:,}",
            f"{r['page_with_changes_ms']:.1f}",
            f"{r['duplicates_page_ms']:.1f}",
        ]
        for r in results
    ]
    lines = [
        "# Issue 10 at scale (`python -m bench.formats`)",
        "",
        f"Load average when it ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        "",
        *_table(
            [
                "DB",
                "contacts",
                "ingest, first export s",
                "ingest, next export s",
                "ingest, another book s",
                "comparison s",
                "changes, next export (new/changed/gone)",
                "changes, another book",
                "listed twice",
                "page with changes ms",
                "duplicates page ms",
            ],
            steps,
        ),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from bench.cli import one_measurement

    one_measurement(
        "bench.formats",
        measure=measure,
        describe=report,
        results_path=RESULTS,
        size=50_000,
        postgres_db="contactsapp_bench_formats",
    )
