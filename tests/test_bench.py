"""Smoke test of `make bench`'s measurements at a tiny size: the figures are sane.

Never a timing assertion: this machine's speed is what the benchmark reports, not a rule.
"""

from __future__ import annotations

import pytest

from bench import measure, report

CONTACTS = 200


def test_ingest_and_csv_measurements_give_sane_figures(db):
    ingest, task = measure.ingest_measure(CONTACTS, reps=1, memory=True)

    assert ingest["contacts"] == CONTACTS
    assert ingest["stored_rows"] == CONTACTS
    assert ingest["limit_rows"] == CONTACTS
    assert ingest["body_bytes"] > 0
    assert ingest["app_seconds"] > 0
    assert ingest["limit_seconds"] > 0
    assert ingest["ratio"] == pytest.approx(ingest["app_seconds"] / ingest["limit_seconds"])
    assert ingest["bare_seconds"] > 0
    assert ingest["ratio_bare"] == pytest.approx(ingest["app_seconds"] / ingest["bare_seconds"])
    assert ingest["app_per_second"] > 0
    assert ingest["app_peak_bytes"] > 0
    assert ingest["app_peak_over_body"] == pytest.approx(
        ingest["app_peak_bytes"] / ingest["body_bytes"]
    )
    task.refresh_from_db()
    assert task.status == "SUCCEEDED"
    assert task.contact_count == CONTACTS

    download = measure.csv_measure(task, reps=1, memory=True, count_rows=True)

    assert download["app_rows"] == CONTACTS
    assert download["limit_rows"] == CONTACTS
    assert download["bytes"] > 0
    assert download["limit_bytes"] > 0
    assert 0 < download["first_byte_seconds"] <= download["app_seconds"]
    assert download["ratio"] == pytest.approx(download["app_seconds"] / download["limit_seconds"])
    assert download["app_peak_bytes"] > 0

    downloads = measure.downloads_measure(task, reps=1, memory=True)

    assert set(downloads["downloads"]) == set(measure.DOWNLOADS)
    for figures in downloads["downloads"].values():
        assert figures["bytes"] > 0 and figures["seconds"] > 0 and figures["peak_bytes"] > 0

    results = {
        "databases": {
            measure.vendor(): {"ingest": [ingest], "csv": [download], "downloads": [downloads]}
        }
    }
    found = report.targets(results)
    assert {target["passed"] for target in found} <= {True, False}
    assert any(target["target"].startswith("ingest") for target in found)


def test_the_contacts_page_is_measured_for_every_sort_page_and_search(db, settings):
    settings.ROOT_URLCONF = "bench.urls"  # the floor view
    settings.CONTACTS_PER_PAGE = 20  # 200 contacts: pages 1, 5 and 10
    _, task = measure.ingest_measure(CONTACTS, reps=1, memory=False)
    task.refresh_from_db()

    urls = measure.page_urls(task)
    figures = measure.pages_measure(task, reps=1)

    labels = list(figures["pages"])
    assert labels == list(urls)
    for sort in ("LinkedIn order", *(f"sort={sort}" for sort in measure.SORTS if sort)):
        assert [label for label in labels if label.startswith(f"{sort}, page ")] == [
            f"{sort}, page 1",
            f"{sort}, page 5",
            f"{sort}, page 10",
        ]
    assert sum(label.startswith("search, ") for label in labels) == 5
    assert all(page["p95_ms"] > 0 for page in figures["pages"].values())


def test_the_poll_load_follows_the_panel_as_htmx_does_and_counts_only_the_measured_window():
    """The load generator against a stand-in server: 200 with a panel, then 204 with its key."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bench import live

    seen = []

    class Panel(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn

        def do_GET(self):
            seen.append(self.path)
            if self.path.endswith("?shown=k1"):
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"""<article hx-get="/panel/" hx-vals='{"shown": "k1"}'></article>"""
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((live.LOOPBACK, 0), Panel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = []
    try:
        run = live.poll_load(
            port=server.server_address[1],
            path="/panel/",
            cookie="c",
            clients=3,
            seconds=0.3,
            max_requests=30,
            on_start=lambda: started.append(len(seen)),
        )
    finally:
        server.shutdown()
        server.server_close()

    assert started == [3]  # each client loaded its panel before the clock started
    assert seen[:3] == ["/panel/"] * 3
    assert set(seen[3:]) == {"/panel/?shown=k1"}  # then polled with the panel's key
    assert run["answers"] == {"204": run["requests"]} and run["errors"] == 0
    assert run["requests"] == len(seen) - 3 <= 30
    assert run["median_ms"] > 0 and run["p99_ms"] >= run["median_ms"]
