"""Issue 23 at scale: a LinkedIn data archive of 30,000 connections joined to a book of
250,000 contacts, beside the ingest of the same book and its raw limit, in the same run.

The join's figure covers what the member waits for after the upload: the ZIP read,
Connections.csv parsed, the join, the connections stored and every contact's company,
position, search text and ranks written. The limit is the ingest's (`measure.ingest_limit`:
`json.loads` of LinkedIn's body and executemany / COPY of its rows into a bare table): the
join writes to every contact of the book, as the ingest does.

    .venv/bin/python -m bench.enrichment                  # SQLite and PostgreSQL
    .venv/bin/python -m bench.enrichment --db sqlite --size 50000 --connections 10000

Prints a Markdown table and writes it to `bench/results/enrichment-latest.md`.
"""

from __future__ import annotations

import csv
import gc
import io
import time
import zipfile
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "enrichment-latest.md"
COMPANIES = ("Acme, Inc.", "Contoso", "Northwind Traders", "株式会社サンプル", "Fabrikam", "")
EMAIL_SHARED_EVERY = 4


def archive_bytes(book: list[dict], connections: int) -> bytes:
    """A ZIP of Connections.csv as LinkedIn writes it: `connections` rows, most of them
    people of `book` (one in four with their e-mail), the rest strangers."""
    from linkedin_sandbox.data_archive import HEADER, NOTES

    out = io.StringIO()
    out.write("\ufeff" + NOTES)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    named = [contact for contact in book if (contact.get("name") or "").strip()]
    for index in range(connections):
        if index < len(named) * 0.9:
            contact = named[index]
            first, _, last = contact["name"].strip().partition(" ")
            email = contact.get("emailAddress", "") if index % EMAIL_SHARED_EVERY == 0 else ""
        else:
            first, last, email = "Stranger", str(index), ""
        company = COMPANIES[index % len(COMPANIES)]
        writer.writerow([first, last, f"https://www.linkedin.com/in/m-{index}", email, company,
                         "Engineer", "06 Dec 2026"])  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Connections.csv", out.getvalue().encode())
    return buffer.getvalue()


def measure(size: int, connections: int) -> dict[str, Any]:
    """Run in the worker process: Django is set up on a migrated throwaway database."""
    from django.db import connection

    from bench import measure as harness
    from bench.body import export_body
    from enrichment.models import ArchiveJob
    from enrichment.services.archive import connections_text
    from enrichment.services.connections_csv import connection_rows
    from enrichment.services.joining import archive_jobs_join_due, archive_queue
    from linkedin_sandbox import addressbook

    body = export_body(size)
    harness.raw_table_ensure()
    ingest_limit_s = harness.ingest_limit(body, task_id=1)
    task, ingest_s = harness.ingest_app(body, harness.bench_user("enrichment"))
    data = archive_bytes(addressbook.generate("bench", size), connections)

    gc.collect()
    start = time.perf_counter()
    text = connections_text(data)
    rows = connection_rows(text.text)
    parsed_s = time.perf_counter() - start
    # What the upload's request does: read, parse, queue the rows for the worker.
    job = archive_queue(task=task, rows=rows, file_kind=text.file_kind)
    request_s = time.perf_counter() - start
    # What the worker does: take the job, read its rows back, join, write the book.
    worker_start = time.perf_counter()
    archive_jobs_join_due()
    worker_s = time.perf_counter() - worker_start
    join_s = request_s + worker_s
    archive = ArchiveJob.objects.get(pk=job.pk).archive
    return {
        "vendor": connection.vendor,
        "size": size,
        "connections": len(rows),
        "zip_bytes": len(data),
        "ingest_limit_s": ingest_limit_s,
        "ingest_s": ingest_s,
        "parse_s": parsed_s,
        "request_s": request_s,
        "worker_s": worker_s,
        "join_s": join_s,
        "by_email": archive.by_email,
        "by_name": archive.by_name,
        "ambiguous": archive.ambiguous,
        "unmatched": archive.unmatched,
    }


def report(results: list[dict[str, Any]]) -> str:
    header = ["database", "contacts", "connections", "ingest limit s", "ingest s",
              "parse s", "upload request s", "worker's join s", "upload to joined s",
              "request / ingest limit", "join / ingest limit", "joined: e-mail, name",
              "ambiguous", "unmatched"]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for r in results:
        cells = [
            r["vendor"], f"{r['size']:,}", f"{r['connections']:,}", f"{r['ingest_limit_s']:.2f}",
            f"{r['ingest_s']:.2f}", f"{r['parse_s']:.2f}", f"{r['request_s']:.2f}",
            f"{r['worker_s']:.2f}", f"{r['join_s']:.2f}",
            f"{r['request_s'] / r['ingest_limit_s']:.2f}x",
            f"{r['join_s'] / r['ingest_limit_s']:.2f}x", f"{r['by_email']:,}, {r['by_name']:,}",
            f"{r['ambiguous']:,}", f"{r['unmatched']:,}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from bench.cli import Knob, one_measurement

    one_measurement(
        "bench.enrichment",
        measure=measure,
        describe=report,
        results_path=RESULTS,
        size=250_000,
        postgres_db="contactsapp_bench_enrichment",
        knobs=(Knob("--connections", "BENCH_CONNECTIONS", 30_000, "rows of Connections.csv"),),
    )
