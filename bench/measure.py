"""In-process measurements: ingest, CSV download and contacts page, each beside its limit.

Import after Django is set up. Every function works on whatever database `default` is, so
the same code runs on SQLite and PostgreSQL, and inside a pytest-django `db` test.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import gc
import io
import json
import math
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from bench.body import export_body
from exports import downloads, linkedin_api, services
from exports.models import Contact, ExportComparison, ExportTask

T = TypeVar("T")

RAW_TABLE = "bench_contact_raw"
# Every column the app stores for a contact (its key aside): the ingest's own list, so the
# same-columns limit cannot fall behind what the app writes.
RAW_FIELDS = tuple(Contact._meta.get_field(name) for name in services.CONTACT_COLUMNS)
RAW_COLUMNS = tuple(field.column for field in RAW_FIELDS)
# The bare limit: only what a contact is, no search text and no JSON (issue 11).
BARE_TABLE = "bench_contact_bare"
BARE_COLUMNS = ("task_id", "position", "name", "email", "phone")
CHUNK_CHARACTERS = 64 * 1024
# A family name of the generator: a search that matches a few percent of the book.
SEARCH_TERM = "garcia"
# One letter (most contacts), and a term no contact holds.
COMMON_TERM = "a"
ABSENT_TERM = "zqxj"
# Every public sort of the contacts page; "" is LinkedIn's order.
SORTS = ("", "name", "-name", "email", "-email", "phone", "-phone")


# --- helpers ------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1): a value that was actually observed."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def seconds(work: Callable[[], object], *, reps: int = 1) -> float:
    """The median seconds of `reps` runs of `work`, each after a garbage collection, with
    what was alive before it frozen: neither the garbage of what ran before nor the data
    a measurement holds in memory (which the collections `work` sets off would scan) is
    the cost of `work`."""
    times = []
    for _ in range(reps):
        gc.collect()
        gc.freeze()
        try:
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        finally:
            gc.unfreeze()
    return median(times)


def traced(function: Callable[[], T]) -> tuple[T, int]:
    """Run `function`; return its result and the peak of memory it allocated (tracemalloc)."""
    gc.collect()
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        result = function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not already:
            tracemalloc.stop()
    return result, max(0, peak - base)


def bench_user(label: str = "bench"):
    """A fresh member: one export in progress per member, so every ingest gets its own."""
    user = get_user_model().objects.create_user(username=f"{label}-{uuid.uuid4().hex[:12]}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def vendor() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def database_version() -> str:
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0])


# --- 1. ingest ----------------------------------------------------------------------------


def ingest_app(body: bytes, owner) -> tuple[ExportTask, float]:
    """The app's own steps, from LinkedIn's bytes to committed rows; return task, seconds."""
    task = ExportTask.objects.create(owner=owner, linkedin_task_id="AQbench")
    start = time.perf_counter()
    parsed = linkedin_api.parse_export_task(body)
    services.contacts_ingest(task=task, result=parsed.result)
    seconds = time.perf_counter() - start
    task.refresh_from_db()
    if task.status != ExportTask.Status.SUCCEEDED:
        raise RuntimeError(f"ingest ended {task.status}: {task.failure_reason or task.note}")
    return task, seconds


def raw_table_ensure() -> None:
    """Bare tables for the same rows, and for the bare columns: no key, index or constraint."""
    # The app's column types, without the key, indexes or constraints that go with them.
    columns = ", ".join(f"{field.column} {field.db_type(connection)}" for field in RAW_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} ({columns})")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BARE_TABLE} (task_id bigint, position integer, "
            "name text, email text, phone text)"
        )


def raw_table_clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RAW_TABLE}")  # noqa: S608 (a constant)
        cursor.execute(f"DELETE FROM {BARE_TABLE}")  # noqa: S608 (a constant)


def _limit_rows(task_id: int, contacts: list[dict]) -> Iterator[tuple]:
    """The same columns the app stores, with the least work that produces them."""
    for position, entry in enumerate(contacts):
        name = str(entry.get("name") or "").strip()
        email = str(entry.get("emailAddress") or "").strip()
        phone = entry.get("phoneNumber")
        phone = str((phone.get("number") if isinstance(phone, dict) else phone) or "").strip()
        search = f"{name}\n{email}\n{phone}".lower()
        # The values that need no sort, parse or grouping: the columns filled, not the work.
        yield (
            task_id,
            position,
            name,
            email,
            phone,
            search,
            json.dumps(entry),
            phone,
            email.lower(),
            position,
            position,
            position,
            None,  # duplicate_group
            None,  # duplicate_listing
            None,  # duplicate_rule
            None,  # duplicate_rank
        )


def _bare_rows(task_id: int, contacts: list[dict]) -> Iterator[tuple]:
    """Task, position, name, e-mail and phone: the least a stored contact can be."""
    for position, entry in enumerate(contacts):
        phone = entry.get("phoneNumber")
        phone = phone.get("number") if isinstance(phone, dict) else phone
        yield (task_id, position, entry.get("name"), entry.get("emailAddress"), phone)


def _write_rows(
    rows: Iterable[tuple], table: str = RAW_TABLE, names: tuple[str, ...] = RAW_COLUMNS
) -> None:
    connection.ensure_connection()
    raw = connection.connection  # the DB-API connection under Django's wrapper
    columns = ", ".join(names)
    if vendor() == "postgresql":
        statement = f"COPY {table} ({columns}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in names)
        cursor = raw.cursor()
        try:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
        finally:
            cursor.close()


def ingest_limit(body: bytes, task_id: int) -> float:
    """`json.loads` plus executemany (SQLite) or COPY (PostgreSQL) of the same rows."""
    start = time.perf_counter()
    contacts = json.loads(body)["result~"]["contacts"]
    with transaction.atomic():
        _write_rows(_limit_rows(task_id, contacts))
    return time.perf_counter() - start


def ingest_bare_limit(body: bytes, task_id: int) -> float:
    """`json.loads` plus executemany / COPY of task, position, name, e-mail and phone."""
    start = time.perf_counter()
    contacts = json.loads(body)["result~"]["contacts"]
    with transaction.atomic():
        _write_rows(_bare_rows(task_id, contacts), BARE_TABLE, BARE_COLUMNS)
    return time.perf_counter() - start


def raw_table_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {RAW_TABLE}")  # noqa: S608 (a constant)
        return int(cursor.fetchone()[0])


def ingest_measure(
    count: int, *, reps: int = 3, memory: bool = True, seed: str = "bench"
) -> tuple[dict[str, Any], ExportTask]:
    """Ingest `count` contacts `reps` times the app's way and the raw way.

    Return the figures and the last task ingested (SUCCEEDED, with its contacts).
    """
    body = export_body(count, seed=seed)
    raw_table_ensure()
    app_times, limit_times, bare_times = [], [], []
    task = None
    for _ in range(reps):
        gc.collect()  # garbage of the last run is not this run's cost
        task, seconds = ingest_app(body, bench_user())
        app_times.append(seconds)
        raw_table_clear()
        gc.collect()
        limit_times.append(ingest_limit(body, task.pk))
        gc.collect()
        bare_times.append(ingest_bare_limit(body, task.pk))
    limit_rows = raw_table_count()
    stored = Contact.objects.filter(task=task).count()
    figures: dict[str, Any] = {
        "contacts": count,
        "body_bytes": len(body),
        "reps": reps,
        "stored_rows": stored,
        "limit_rows": limit_rows,
        "app_seconds": median(app_times),
        "limit_seconds": median(limit_times),
        "bare_seconds": median(bare_times),
        "app_seconds_all": app_times,
        "limit_seconds_all": limit_times,
        "bare_seconds_all": bare_times,
    }
    figures["app_per_second"] = count / figures["app_seconds"]
    figures["limit_per_second"] = count / figures["limit_seconds"]
    figures["ratio"] = figures["app_seconds"] / figures["limit_seconds"]
    figures["ratio_bare"] = figures["app_seconds"] / figures["bare_seconds"]
    if memory:
        # Separate runs: tracemalloc slows allocation down, so it never touches the timings.
        _, app_peak = traced(lambda: ingest_app(body, bench_user()))
        raw_table_clear()
        _, limit_peak = traced(lambda: ingest_limit(body, task.pk))
        raw_table_clear()
        figures.update(
            app_peak_bytes=app_peak,
            limit_peak_bytes=limit_peak,
            app_peak_over_body=app_peak / len(body),
            limit_peak_over_body=limit_peak / len(body),
        )
    raw_table_clear()
    return figures, task


# --- 2. CSV download ----------------------------------------------------------------------


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_url(task: ExportTask) -> str:
    return reverse("contacts_csv", args=[task.public_id])


def downloads_all() -> dict[str, tuple[str, dict[str, str]]]:
    """Every download a member can click, by label: its format key and query parameters.

    Derived from `exports.downloads.FORMATS`, so a new format is measured without a line
    here; a format that `MERGES` is measured merged too.
    """
    found = {}
    for key, writer in downloads.FORMATS.items():
        found[str(writer.LABEL)] = (key, {})
        if writer.MERGES:
            found[f"{writer.LABEL}, merged"] = (key, {"merged": "1"})
    return found


DOWNLOADS = downloads_all()
# What the CSV limit reads and the header it writes: the plain CSV's four columns.
LIMIT_COLUMNS = ("name", "email", "phone", "phone_international")
LIMIT_HEADER = ("Name", "Email Address", "Phone Number", "Phone Number (International)")
# The limit each download is set beside (issue 11): a CSV, `csv.writer` over the same
# contacts read with the bare driver; the JSON, the stored text written as it is.
CSV_LIMIT, JSON_LIMIT = "csv.writer", "stored text"


def download_limit_kind(format_key: str) -> str | None:
    writer = downloads.FORMATS[format_key]
    if writer.CONTENT_TYPE.startswith("text/csv"):
        return CSV_LIMIT
    if writer.SOURCE == "raw":
        return JSON_LIMIT
    return None  # a vCard: the issue names no limit


def download_urls(task: ExportTask, formats: Collection[str] | None = None) -> dict[str, str]:
    """The URL of every download by label, or of those of the format keys `formats`."""
    urls = {}
    for label, (key, params) in DOWNLOADS.items():
        if formats is not None and key not in formats:
            continue
        url = reverse("contacts_download", args=[task.public_id, key])
        urls[label] = f"{url}?{urlencode(params)}" if params else url
    return urls


def downloads_measure(
    task: ExportTask, *, reps: int = 3, memory: bool = True, formats: Collection[str] | None = None
) -> dict:
    """Every download of `task` (or those of the format keys `formats`) through the whole
    stack: seconds, first byte, peak memory, each beside its limit, timed in turn with it
    (app, limit, app, limit...).
    """
    with everyone_new(task):
        return _downloads_measure(task, reps=reps, memory=memory, formats=formats)


@contextlib.contextmanager
def everyone_new(task: ExportTask) -> Iterator[None]:
    """Compare `task` with an empty export of its member for the while, so its changes
    download lists every contact as new (the largest it can be); then forget both, so the
    pages measured afterwards show no changes, as before.
    """
    if ExportComparison.objects.filter(task=task).exists():
        yield
        return
    empty = ExportTask.objects.create(
        owner=task.owner,
        linkedin_task_id="AQbench-empty",
        status=ExportTask.Status.SUCCEEDED,
        requested_at=task.requested_at - datetime.timedelta(days=1),
    )
    try:
        services.export_compare_with_previous(task=task)
        yield
    finally:
        ExportComparison.objects.filter(task=task).delete()
        empty.delete()


def _downloads_measure(
    task: ExportTask, *, reps: int, memory: bool, formats: Collection[str] | None
) -> dict:
    client = signed_in_client(task.owner)
    limits = {
        CSV_LIMIT: lambda: download_limit(task.pk)[2],
        JSON_LIMIT: lambda: json_limit(task.pk)[1],
    }
    figures: dict[str, Any] = {"contacts": task.contact_count, "downloads": {}}
    for label, url in download_urls(task, formats).items():
        kind = download_limit_kind(DOWNLOADS[label][0])
        download_app(client, url)  # warm-up
        runs, limit_times = [], []
        for _ in range(reps):
            runs.append(download_app(client, url))
            if kind:
                limit_times.append(limits[kind]())
        result = {
            "bytes": runs[-1][0],
            "seconds": median([run[1] for run in runs]),
            "first_byte_ms_max": max(run[2] for run in runs) * 1000,
        }
        if kind:
            result.update(limit=kind, limit_seconds=median(limit_times))
            result["ratio"] = result["seconds"] / result["limit_seconds"]
        if memory:
            result["peak_bytes"] = traced(lambda url=url: download_app(client, url))[1]
        figures["downloads"][label] = result
    return figures


def download_app(client: Client, url: str) -> tuple[int, float, float, bytes]:
    """Stream a download through the whole stack; return bytes, seconds, first byte, first chunk."""
    start = time.perf_counter()
    response = client.get(url, secure=True)
    if response.status_code != 200 or not response.streaming:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    chunks = iter(response.streaming_content)
    first = next(chunks, b"")
    first_byte = time.perf_counter() - start
    size = len(first)
    for chunk in chunks:
        size += len(chunk)
    # No response.close(): the test client closes it at the end of the stream, keeping the
    # database connection (an explicit close would signal request_finished and drop it).
    return size, time.perf_counter() - start, first_byte, first


def raw_select(columns: str) -> str:
    mark = "%s" if vendor() == "postgresql" else "?"
    return (
        f"SELECT {columns} FROM exports_contact "  # noqa: S608 (no input)
        f"WHERE task_id = {mark} ORDER BY position"
    )


def download_limit(task_id: int) -> tuple[int, int, float]:
    """`csv.writer` over the same rows read with the bare driver; return bytes, rows, s."""
    start = time.perf_counter()
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(raw_select(", ".join(LIMIT_COLUMNS)), (task_id,))
        size, rows = csv_written(LIMIT_HEADER, cursor)
    finally:
        cursor.close()
    return size, rows, time.perf_counter() - start


def csv_written(header: Iterable[str], rows: Iterable[Iterable]) -> tuple[int, int]:
    """Write `header` and `rows` with `csv.writer` in UTF-8 chunks of about
    `CHUNK_CHARACTERS`, as the CSV limit does, and drop them; return bytes, rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    size = count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if buffer.tell() >= CHUNK_CHARACTERS:
            size += len(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    size += len(buffer.getvalue().encode())
    return size, count


def json_limit(task_id: int) -> tuple[int, float]:
    """The stored JSON text of every contact read with the bare driver and written as one
    JSON array in UTF-8 chunks, as it is; return bytes, seconds.
    """
    start = time.perf_counter()
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    raw = "raw::text" if vendor() == "postgresql" else "raw"
    size = 0
    try:
        cursor.execute(raw_select(raw), (task_id,))
        pieces, length, separator = [], 0, "["
        for (text,) in cursor:
            pieces += (separator, text)
            length += len(text) + 1
            separator = ","
            if length >= CHUNK_CHARACTERS:
                size += len("".join(pieces).encode())
                pieces, length = [], 0
        size += len("".join([*pieces, "[]" if separator == "[" else "]"]).encode())
    finally:
        cursor.close()
    return size, time.perf_counter() - start


def download_copy(task_id: int) -> tuple[int, float]:
    """PostgreSQL only: the server writes the CSV itself (`COPY ... TO STDOUT WITH CSV`)."""
    from psycopg import sql

    start = time.perf_counter()
    connection.ensure_connection()
    statement = sql.SQL(
        "COPY (SELECT name, email, phone, phone_international FROM exports_contact "
        "WHERE task_id = {} ORDER BY position) TO STDOUT WITH (FORMAT csv, HEADER true)"
    ).format(sql.Literal(task_id))
    size = 0
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for block in copy:
            size += len(block)
    return size, time.perf_counter() - start


def csv_rows(client: Client, url: str) -> int:
    """Rows in the app's CSV, parsed properly (names hold newlines); for checks, untimed."""
    response = client.get(url, secure=True)
    text = b"".join(response.streaming_content).decode()
    return sum(1 for _ in csv.reader(io.StringIO(text))) - 1  # minus the header


def csv_measure(
    task: ExportTask, *, reps: int = 3, memory: bool = True, count_rows: bool = False
) -> dict[str, Any]:
    """Download `task`'s CSV `reps` times through Django, and the raw way."""
    client = signed_in_client(task.owner)
    url = csv_url(task)
    app_times, first_bytes, limit_times, copy_times = [], [], [], []
    size = limit_size = limit_rows = copy_size = 0
    download_app(client, url)  # warm-up: first-request costs are not the download's
    download_limit(task.pk)
    for _ in range(reps):
        size, seconds, first_byte, _first = download_app(client, url)
        app_times.append(seconds)
        first_bytes.append(first_byte)
        limit_size, limit_rows, seconds = download_limit(task.pk)
        limit_times.append(seconds)
        if vendor() == "postgresql":
            copy_size, seconds = download_copy(task.pk)
            copy_times.append(seconds)
    figures: dict[str, Any] = {
        "contacts": task.contact_count,
        "reps": reps,
        "bytes": size,
        "app_seconds": median(app_times),
        "first_byte_seconds": median(first_bytes),
        "first_byte_seconds_max": max(first_bytes),
        "limit_bytes": limit_size,
        "limit_rows": limit_rows,
        "limit_seconds": median(limit_times),
        "app_seconds_all": app_times,
        "limit_seconds_all": limit_times,
    }
    figures["ratio"] = figures["app_seconds"] / figures["limit_seconds"]
    figures["app_mb_per_second"] = size / figures["app_seconds"] / 1e6
    if copy_times:
        figures.update(copy_bytes=copy_size, copy_seconds=median(copy_times))
        figures["ratio_copy"] = figures["app_seconds"] / figures["copy_seconds"]
    if memory:
        _, peak = traced(lambda: download_app(client, url))
        figures["app_peak_bytes"] = peak
    if count_rows:
        figures["app_rows"] = csv_rows(client, url)
    return figures


# --- 3. contacts page ---------------------------------------------------------------------


def rare_term(task: ExportTask) -> str:
    """The e-mail address of the contact half-way through the book: one or two matches."""
    emails = Contact.objects.filter(task=task).exclude(email="").order_by("position")
    middle = emails.values_list("email", flat=True)[
        task.with_email_count // 2 : task.with_email_count // 2 + 1
    ]
    return next(iter(middle), "nobody@example.com")


def next_export(task: ExportTask, *, seed: str = "bench") -> ExportTask:
    """Ingest the member's next export of `task`'s book, a few contacts added, removed and
    changed (`linkedin_sandbox.addressbook.evolve`): its page shows the changes.

    `seed` must be the one `task`'s book was generated with (`ingest_measure`'s).
    """
    body = export_body(task.contact_count, seed=seed, version=1)
    following, _ = ingest_app(body, task.owner)
    return following


def page_urls(task: ExportTask, *, following: ExportTask | None = None) -> dict[str, str]:
    """Every sort in both directions at its first, middle and last page; five searches; the
    duplicates page at its first, middle and last page; with `following` (the member's next
    export, see `next_export`), its page, which shows the changes since `task`.
    """
    detail = reverse("export_detail", args=[task.public_id])
    urls = {"floor (trivial view)": reverse("bench_floor")}
    for sort in SORTS:
        for number in _first_middle_last(task.contact_count):
            query = urlencode({"sort": sort, "page": number} if sort else {"page": number})
            urls[f"{'sort=' + sort if sort else 'LinkedIn order'}, page {number:,}"] = (
                f"{detail}?{query}"
            )
    searches = {
        "rare term": {"q": rare_term(task)},
        "one letter": {"q": COMMON_TERM},
        "no match": {"q": ABSENT_TERM},
        "with a sort": {"q": SEARCH_TERM, "sort": "-phone"},
        "one letter with a sort, page 100": {"q": COMMON_TERM, "sort": "-name", "page": 100},
    }
    for label, params in searches.items():
        urls[f"search, {label}: ?{urlencode(params)}"] = f"{detail}?{urlencode(params)}"
    duplicates = reverse("export_duplicates", args=[task.public_id])
    for number in _first_middle_last(task.duplicate_count):
        urls[f"duplicates ({task.duplicate_count:,}), page {number:,}"] = (
            f"{duplicates}?page={number}"
        )
    if following is not None:
        changes = following.comparison
        urls[
            f"changes since the previous export ({changes.new_count:,} new, "
            f"{changes.changed_count:,} changed, {changes.removed_count:,} gone), page 1"
        ] = reverse("export_detail", args=[following.public_id])
    return urls


def _first_middle_last(count: int) -> list[int]:
    """The first, middle and last page numbers of `count` items (once each)."""
    last = max(1, math.ceil(count / settings.CONTACTS_PER_PAGE))
    return list(dict.fromkeys((1, max(1, last // 2), last)))


def time_get(client: Client, url: str, *, reps: int, warmup: int = 3) -> list[float]:
    times = []
    for index in range(warmup + reps):
        start = time.perf_counter()
        response = client.get(url, secure=True)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if index >= warmup:
            times.append(elapsed)
    return times


def pages_measure(
    task: ExportTask, *, following: ExportTask | None = None, reps: int = 30
) -> dict[str, Any]:
    """Median and p95 of every page of `page_urls` (and the floor), in milliseconds."""
    client = signed_in_client(task.owner)
    pages = {}
    for label, url in page_urls(task, following=following).items():
        times = time_get(client, url, reps=reps)
        pages[label] = {
            "median_ms": median(times) * 1000,
            "p95_ms": percentile(times, 0.95) * 1000,
            "max_ms": max(times) * 1000,
            "reps": reps,
        }
    return {"contacts": task.contact_count, "pages": pages}
