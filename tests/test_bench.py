"""Smoke test of `make bench`'s measurements at a tiny size: the figures are sane.

Never a timing assertion: this machine's speed is what the benchmark reports, not a rule.
"""

from __future__ import annotations

import pytest

from bench import measure, report
from exports.downloads import FORMATS, changes, csv_plain, json_raw, vcard
from exports.models import ExportComparison

CONTACTS = 200
MACHINE = {
    "date": "",
    "cores": 2,
    "cpu": "",
    "memory_gb": 1,
    "os": "",
    "python": "",
    "django": "",
    "commit": "",
    "databases": {},
}
CONFIG = {"sizes": [CONTACTS], "reps": 1, "page_reps": 1}


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
    json_figures = downloads["downloads"][json_raw.LABEL]
    assert json_figures["limit"] == measure.JSON_LIMIT
    assert json_figures["ratio"] == pytest.approx(
        json_figures["seconds"] / json_figures["limit_seconds"]
    )
    assert downloads["downloads"][csv_plain.LABEL]["limit"] == measure.CSV_LIMIT
    assert "limit" not in downloads["downloads"][vcard.LABEL]
    # Measured with every contact new (a line each), then the comparison is forgotten.
    assert downloads["downloads"][changes.LABEL]["bytes"] > CONTACTS * len("new,,,,,,\r\n")
    assert not ExportComparison.objects.filter(task=task).exists()

    results = {
        "databases": {
            measure.vendor(): {"ingest": [ingest], "csv": [download], "downloads": [downloads]}
        }
    }
    found = report.targets(results)
    assert {target["passed"] for target in found} <= {True, False}
    assert any(target["target"].startswith("ingest") for target in found)
    assert any(
        str(json_raw.LABEL) in target["target"] and measure.JSON_LIMIT in target["target"]
        for target in found
    )
    assert "Every download" in report.markdown({**results, "machine": MACHINE, "config": CONFIG})


def test_every_download_format_is_measured_merged_too_where_it_merges():
    keys = [key for key, _ in measure.DOWNLOADS.values()]
    assert set(keys) == set(FORMATS)
    merged = {key for key, params in measure.DOWNLOADS.values() if params == {"merged": "1"}}
    assert merged == {key for key, writer in FORMATS.items() if writer.MERGES}
    assert all(measure.download_limit_kind(key) for key in FORMATS if key != "vcard")


def test_every_sort_page_search_and_the_duplicates_and_changes_pages_are_measured(db, settings):
    settings.ROOT_URLCONF = "bench.urls"  # the floor view
    settings.CONTACTS_PER_PAGE = 20  # 200 contacts: pages 1, 5 and 10
    _, task = measure.ingest_measure(CONTACTS, reps=1, memory=False)
    task.refresh_from_db()

    following = measure.next_export(task)
    urls = measure.page_urls(task, following=following)
    figures = measure.pages_measure(task, following=following, reps=1)

    labels = list(figures["pages"])
    assert labels == list(urls)
    for sort in ("LinkedIn order", *(f"sort={sort}" for sort in measure.SORTS if sort)):
        assert [label for label in labels if label.startswith(f"{sort}, page ")] == [
            f"{sort}, page 1",
            f"{sort}, page 5",
            f"{sort}, page 10",
        ]
    assert sum(label.startswith("search, ") for label in labels) == 5
    assert [label for label in labels if label.startswith("duplicates (")]
    changes = [label for label in labels if label.startswith("changes since")]
    assert len(changes) == 1
    # The evolved book: three contacts added, two removed, four changed (see `evolve`).
    assert "3 new" in changes[0] and "4 changed" in changes[0] and "2 gone" in changes[0]
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


def test_each_page_is_measured_in_every_language_and_the_report_names_each_miss(db, settings):
    from bench import languages

    settings.CONTACTS_PER_PAGE = 5  # 200 contacts: "sorted by name, page 20" is a real page
    figures = languages.measure(CONTACTS, reps=2)

    assert list(figures["pages"]) == [
        "home",
        "export, page 1",
        "export, sorted by name, page 20",
        "export, a search",
        "duplicates, page 1",
    ]
    for page in figures["pages"].values():
        assert list(page) == list(languages.LANGUAGES)
        assert all(value["p95_ms"] > 0 and value["median_ms"] > 0 for value in page.values())
    text = languages.report([figures])
    assert text.count(f"| {figures['vendor']} |") == 5
    assert ("Every page within target." in text) != ("over the target" in text)


def test_each_ingest_feature_is_measured_alone_over_the_same_contacts(db):
    from bench import ingest_features
    from bench.body import export_body
    from exports import linkedin_api

    contacts = list(linkedin_api.parse_export_task(export_body(CONTACTS)).result.checked_contacts())
    features = {
        **ingest_features._computed(contacts, owner_id=1, collation=""),
        "reading": 0.01,
        "search index": ingest_features._search_index_seconds(contacts),
    }

    assert set(features) == set(ingest_features.FEATURES)
    assert all(seconds >= 0 for seconds in features.values())
    assert features["phones"] > 0 and features["fingerprints"] > 0
    row = {
        "vendor": "sqlite", "version": "3", "size": CONTACTS, "limit": 0.5, "app": 2.0,
        "features": features, "load": "1.0",
    }  # fmt: skip
    text = ingest_features.report([row])
    assert f"| sqlite 3 | {CONTACTS} | 0.50 | 2.00 (4.0x) |" in text
    together = sum(features.values())
    assert f"| {together:.2f} ({together / 0.5:.1f}x) |" in text


def test_each_missed_download_is_set_beside_its_own_work_alone(db):
    from bench import download_features

    figures = download_features.measure(CONTACTS, reps=1)

    missed = {
        label: key
        for label, (key, _) in measure.DOWNLOADS.items()
        if key in download_features.MISSED_FORMATS
    }
    assert list(figures["downloads"]) == list(missed)
    for label, download in figures["downloads"].items():
        parts = download["parts"]
        assert download["app"] > 0 and download["limit"] > 0
        # The write part writes the file the stack sent again, byte for byte.
        assert download["written_bytes"] == download["file_bytes"] == download["bytes"] > 0
        assert all(seconds > 0 for seconds in parts.values())
        assert {"read", "write", "formulas"} <= set(parts)
        merged = label.endswith(", merged")
        assert ("grouping" in parts) == ("merging" in parts) == merged
        card = missed[label] != "changes"
        assert ("names" in parts) == ("blanks" in parts) == card
    assert figures["limit"]["bytes"] > 0 and figures["limit"]["seconds"] > 0
    assert set(figures["limit"]["parts"]) == {"read", "write"}
    assert all(seconds > 0 for seconds in figures["limit"]["parts"].values())
    text = download_features.report([figures])
    for label, download in figures["downloads"].items():
        floor = sum(download["parts"].values())
        assert f"| {label} |" in text
        assert f"| {floor:.3f} ({floor / download['limit']:.1f}x) |" in text
    assert text.count(f"- {figures['vendor']} ") == len(missed)


def test_the_merged_floor_groups_the_contacts_as_the_app_does(db):
    from bench import download_features
    from exports.duplicates import person_groups
    from exports.models import Contact
    from exports.selectors.in_order import person_rows

    _, task = measure.ingest_measure(CONTACTS, reps=1, memory=False)
    app = person_groups(Contact.objects.filter(task=task), searched=False)
    floor = download_features._grouped(list(person_rows(task=task)))

    assert any(isinstance(person, list) for person in floor)
    assert [person if isinstance(person, list) else [person] for person in floor] == list(app)
