"""The CardDAV address book at address-book scale, beside a limit from the same run.

Run by `make bench-carddav` at 250,000 contacts, and by `make bench` at 50,000 (one of its
own sizes, so it adds a minute or two a database): each database in its own process, on a
throwaway database, with the production settings (`bench.settings`, DEBUG=0), requests
through the whole Django stack (the test client, over "HTTPS", with a device password).

    .venv/bin/python -m bench.carddav                        # SQLite and PostgreSQL, 250,000
    .venv/bin/python -m bench.carddav --db sqlite --size 10000
    # what `make bench` runs, at the largest size but one of its own:
    .venv/bin/python -m bench.carddav --size 50000 --output bench/results/carddav-50000-latest.md

Measured: the first request of a new export (it writes the book's hrefs and ETags); a
Depth-1 PROPFIND of the ETags (first byte, whole, and its memory peak beside the same
listing of a book a tenth the size); `addressbook-multiget` of 100 cards (p95); a
`sync-collection` from the previous export's token after the next export of the same book
(`evolve`: three added, two removed, two new e-mails, two new phones; p95); and a full sync
as vdirsyncer does it (the Depth-1 listing, then one multiget of every card, its hrefs in
no order), beside the limit: streaming the vCard download of the same book, signed in.
Each p95 is printed beside the floor of the same run (a Depth-0 PROPFIND of the principal:
the device password checked, no book read), and the load average at the start and end.

Prints a Markdown table and writes it to `bench/results/carddav-latest.md` (`--output`).
"""

from __future__ import annotations

import base64
import os
import random
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "carddav-latest.md"
COLLECTION = "/dav/addressbooks/linkedin/"
ETAGS = '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>'
REPS = 40
WARMUP = 3


def _multiget(hrefs: list[str]) -> str:
    listed = "".join(f"<d:href>{href}</d:href>" for href in hrefs)
    return (
        '<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
        f"<d:prop><d:getetag/><c:address-data/></d:prop>{listed}</c:addressbook-multiget>"
    )


def _sync(token: str) -> str:
    return (
        '<d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
        f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>"
        "<d:prop><d:getetag/><c:address-data/></d:prop></d:sync-collection>"
    )


def measure(size: int) -> dict[str, Any]:
    """Run in the worker process: Django is set up on a migrated throwaway database."""
    import re

    from django.test import Client

    from bench.body import export_body
    from bench.measure import (
        bench_user,
        download_app,
        ingest_app,
        percentile,
        signed_in_client,
        traced,
    )
    from carddav.models import CardIndex
    from devices.models import DeviceLogin
    from devices.services import device_password_create

    def dav_client(user) -> Client:
        _, password = device_password_create(user=user, name="bench")
        username = DeviceLogin.objects.get(user=user).username
        credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
        return Client(HTTP_AUTHORIZATION=f"Basic {credentials}")

    def request(client: Client, method: str, body: str, depth: str = "1"):
        response = client.generic(
            method,
            COLLECTION,
            body,
            content_type="application/xml",
            secure=True,
            HTTP_DEPTH=depth,
        )
        if response.status_code != 207:
            raise RuntimeError(f"{method} answered {response.status_code}")
        return response

    def streamed(client: Client, method: str, body: str) -> tuple[float, float, bytes]:
        """Return the seconds to the first chunk, to the last, and the body."""
        start = time.perf_counter()
        chunks = iter(request(client, method, body).streaming_content)
        first = next(chunks, b"")
        first_byte = time.perf_counter() - start
        content = first + b"".join(chunks)
        return first_byte, time.perf_counter() - start, content

    def timed(function, reps: int = REPS) -> list[float]:
        for _ in range(WARMUP):
            function()
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return times

    from django.db import connection

    # Beside the figures: on a shared machine the other work's load moves every p95.
    figures: dict[str, Any] = {
        "vendor": connection.vendor,
        "size": size,
        "load_start": os.getloadavg()[0],
    }
    owner = bench_user("carddav")
    first, _ = ingest_app(export_body(size), owner)
    dav = dav_client(owner)

    start = time.perf_counter()
    request(dav, "PROPFIND", ETAGS, depth="0")
    figures["index_s"] = time.perf_counter() - start

    listings = [streamed(dav, "PROPFIND", ETAGS) for _ in range(3)]
    figures["propfind_first_byte_ms"] = max(first_byte for first_byte, _, _ in listings) * 1000
    figures["propfind_s"] = min(whole for _, whole, _ in listings)
    listing = listings[0][2].decode()
    hrefs = re.findall(r"<d:href>([^<]+\.vcf)</d:href>", listing)
    # A blank contact makes no card (as in the vCard download): the index counts the cards.
    indexed = CardIndex.objects.get(task=first).card_count
    if len(hrefs) != indexed:
        raise RuntimeError(f"the listing named {len(hrefs)} cards of {indexed}")
    figures["cards"] = indexed

    def listed_and_dropped(client: Client) -> int:
        # Each chunk read and dropped, as a client on the network would: the peak is the
        # server's, not this copy's.
        return sum(map(len, request(client, "PROPFIND", ETAGS).streaming_content))

    _, figures["propfind_peak_bytes"] = traced(lambda: listed_and_dropped(dav))
    small_owner = bench_user("carddav-small")
    ingest_app(export_body(max(size // 10, 1), seed="small"), small_owner)
    small = dav_client(small_owner)
    request(small, "PROPFIND", ETAGS, depth="0")
    _, figures["propfind_peak_tenth_bytes"] = traced(lambda: listed_and_dropped(small))

    # The floor of any DAV request: the device password checked, a Depth-0 PROPFIND of
    # the principal answered (no book read).
    def principal() -> None:
        response = dav.generic(
            "PROPFIND",
            "/dav/principal/",
            ETAGS,
            content_type="application/xml",
            secure=True,
            HTTP_DEPTH="0",
        )
        b"".join(response.streaming_content)

    figures["floor_p95_ms"] = percentile(timed(principal), 0.95) * 1000
    chosen = random.Random(size).sample(hrefs, 100)  # noqa: S311 (a repeatable sample)
    figures["multiget_100_p95_ms"] = (
        percentile(timed(lambda: streamed(dav, "REPORT", _multiget(chosen))), 0.95) * 1000
    )

    # A full sync as vdirsyncer does it: the listing, then every card in one multiget,
    # its hrefs in no order (vdirsyncer sends a set).
    shuffled = random.Random(size).sample(hrefs, len(hrefs))  # noqa: S311 (repeatable)

    def full_sync() -> int:
        _, _, listed = streamed(dav, "PROPFIND", ETAGS)
        _, _, cards = streamed(dav, "REPORT", _multiget(shuffled))
        return len(listed) + len(cards)

    figures["full_sync_s"] = min(timed(full_sync, reps=3))
    # Its multiget alone, once (warm after the syncs): where a full sync's time goes.
    start = time.perf_counter()
    streamed(dav, "REPORT", _multiget(shuffled))
    figures["full_multiget_s"] = time.perf_counter() - start
    web = signed_in_client(owner)
    vcard = f"/exports/{first.public_id}/download/vcard/"
    download_app(web, vcard)  # warm-up
    figures["vcard_download_s"] = min(download_app(web, vcard)[1] for _ in range(3))

    token = f"urn:x-contactsapp:sync:{first.public_id}"
    following, _ = ingest_app(export_body(size, version=1), owner)
    start = time.perf_counter()
    request(dav, "PROPFIND", ETAGS, depth="0")
    figures["next_index_s"] = time.perf_counter() - start
    start = time.perf_counter()
    _, _, delta = streamed(dav, "REPORT", _sync(token))
    figures["sync_first_s"] = time.perf_counter() - start
    figures["sync_responses"] = delta.count(b"<d:response>")
    figures["sync_p95_ms"] = (
        percentile(timed(lambda: streamed(dav, "REPORT", _sync(token))), 0.95) * 1000
    )
    figures["following"] = str(following.public_id)
    figures["load_end"] = os.getloadavg()[0]
    return figures


TARGETS = (
    # (label, figure, limit, unit)
    ("Depth-1 PROPFIND, first byte", "propfind_first_byte_ms", 50, "ms"),
    ("addressbook-multiget of 100 cards, p95", "multiget_100_p95_ms", 25, "ms"),
    ("sync-collection after the next export, p95", "sync_p95_ms", 25, "ms"),
)


def _mb(count: int) -> str:
    return f"{count / 2**20:.1f} MB"


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "| Figure | " + " | ".join(f"{r['vendor']} ({r['size']:,})" for r in results) + " |",
        "|" + " --- |" * (len(results) + 1),
    ]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    for label, key, limit, unit in TARGETS:
        # Beside the floor of the same run: what any DAV request costs on this machine now.
        row(
            f"{label} (target ≤ {limit} {unit}; the floor's p95 beside it)",
            [
                f"{r[key]:.1f} {unit}"
                + (" ✓" if r[key] <= limit else " ✗")
                + f" (floor {r['floor_p95_ms']:.1f} ms)"
                for r in results
            ],
        )
    row("Depth-1 PROPFIND, whole listing", [f"{r['propfind_s']:.2f} s" for r in results])
    row(
        "Depth-1 PROPFIND, memory peak (a book a tenth the size)",
        [
            f"{_mb(r['propfind_peak_bytes'])} ({_mb(r['propfind_peak_tenth_bytes'])})"
            for r in results
        ],
    )
    row(
        "Full sync (listing + one multiget of every card), beside the vCard download (target ≤ 2x)",
        [
            f"{r['full_sync_s']:.2f} s / {r['vcard_download_s']:.2f} s = "
            f"{r['full_sync_s'] / r['vcard_download_s']:.1f}x"
            + (" ✓" if r["full_sync_s"] <= 2 * r["vcard_download_s"] else " ✗")
            for r in results
        ],
    )
    row(
        "First request of a new export (writes the index)",
        [f"{r['index_s']:.2f} s" for r in results],
    )
    row("  the next export's", [f"{r['next_index_s']:.2f} s" for r in results])
    row(
        "  the first sync-collection from the previous token (compares the two books)",
        [f"{r['sync_first_s']:.2f} s" for r in results],
    )
    row(
        "Floor: a Depth-0 PROPFIND of the principal (device password checked), p95",
        [f"{r['floor_p95_ms']:.1f} ms" for r in results],
    )
    row(
        "sync-collection responses (cards + removed hrefs)",
        [str(r["sync_responses"]) for r in results],
    )
    row(
        "Full sync's multiget alone, beside the vCard download",
        [
            f"{r['full_multiget_s']:.2f} s = {r['full_multiget_s'] / r['vcard_download_s']:.1f}x"
            for r in results
        ],
    )
    row(
        f"Load average (1 min) at the start and end, {os.cpu_count()} cores",
        [f"{r['load_start']:.1f} / {r['load_end']:.1f}" for r in results],
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from bench.cli import one_measurement

    one_measurement(
        "bench.carddav",
        measure=measure,
        describe=report,
        results_path=RESULTS,
        size=250_000,
        postgres_db="contactsapp_bench_carddav",
    )
