"""Prometheus metrics: what an operator watches, recorded wherever it happens.

Every process of a deployment records into the same place when `METRICS_DIR` is set: a
folder shared by the web server's workers, the export worker and the purger (a volume in
docker-compose.yml). Each host (each container) writes its own sub-folder, because process
ids repeat across containers, and the web server's `/metrics` adds them all up. Without
`METRICS_DIR` each process keeps its own numbers in memory, as in development and tests.

`/metrics` is not public: it answers only when `METRICS_TOKEN` is set, and only to a
request bearing that token (see `operations.health`).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# prometheus_client reads PROMETHEUS_MULTIPROC_DIR when it is imported, so it is set first.
_SHARED_DIR = os.environ.get("METRICS_DIR", "")
if _SHARED_DIR:
    _own_dir = Path(_SHARED_DIR) / socket.gethostname()
    _own_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_own_dir)

from prometheus_client import (  # noqa: E402
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

EXPORTS_STARTED = Counter("contactsapp_exports_started", "Exports members started.")
EXPORTS_FINISHED = Counter(
    "contactsapp_exports_finished",
    "Exports that ended, by outcome (succeeded, failed, expired on arrival).",
    ["status"],
)
LINKEDIN_CALLS = Counter(
    "contactsapp_linkedin_calls",
    "Calls to LinkedIn's Contacts API, by endpoint and outcome.",
    ["endpoint", "outcome"],
)
LINKEDIN_LATENCY = Histogram(
    "contactsapp_linkedin_call_seconds",
    "Time of one call to LinkedIn's Contacts API, body included.",
    ["endpoint"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
INGEST_SECONDS = Histogram(
    "contactsapp_ingest_seconds",
    "Time to store one address book (validate and insert every contact).",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
CONTACTS_STORED = Counter("contactsapp_contacts_stored", "Contacts stored by ingests.")
PURGED_EXPORTS = Counter("contactsapp_purged_exports", "Expired exports whose contacts went.")
PURGED_CONTACTS = Counter("contactsapp_purged_contacts", "Contacts deleted by the purger.")
WORKER_LOOP_LAG = Gauge(
    "contactsapp_worker_loop_lag_seconds",
    "How late the most overdue export was when the worker's last round began.",
    multiprocess_mode="mostrecent",
)
WORKER_ROUNDS = Counter(
    "contactsapp_worker_rounds", "Rounds of the export worker, by outcome.", ["outcome"]
)


def export_finished(status: str) -> None:
    EXPORTS_FINISHED.labels(status=status.lower()).inc()


@contextmanager
def linkedin_call(endpoint: str) -> Iterator[dict[str, str]]:
    """Time one call to LinkedIn; the caller sets `outcome` in the yielded dict."""
    record = {"outcome": "error"}
    started = time.perf_counter()
    try:
        yield record
    finally:
        LINKEDIN_LATENCY.labels(endpoint=endpoint).observe(time.perf_counter() - started)
        LINKEDIN_CALLS.labels(endpoint=endpoint, outcome=record["outcome"]).inc()


def ingest_recorded(*, seconds: float, contacts: int) -> None:
    INGEST_SECONDS.observe(seconds)
    CONTACTS_STORED.inc(contacts)


def purge_recorded(*, exports: int, contacts: int) -> None:
    PURGED_EXPORTS.inc(exports)
    PURGED_CONTACTS.inc(contacts)


def process_dead(pid: int) -> None:
    """Forget a finished gunicorn worker's live gauges (called from gunicorn's child_exit)."""
    if _SHARED_DIR:
        multiprocess.mark_process_dead(pid)


def exposition() -> tuple[bytes, str]:
    """Return every process's metrics in Prometheus' text format, and its content type."""
    if not _SHARED_DIR:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    registry.register(_EveryHost())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _EveryHost:
    """Every process's numbers, from every host's sub-folder, added up."""

    def collect(self):
        files = [str(path) for path in Path(_SHARED_DIR).glob("*/*.db")]
        return multiprocess.MultiProcessCollector.merge(files, accumulate=True)
