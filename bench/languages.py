"""Issue 19's cost per page: each page in a translated language beside the same page in
English, in the same run, p95 and median.

The member's book is 10,000 contacts (a page's cost does not depend on the book's size,
`python -m bench` shows that at 250,000). Every repetition asks for the page once in each
language, one after the other, so a load that comes and goes on the machine falls on every
language alike. The time zone cookie is set for every language, English included: the
figures compare translation, not time zones.

    .venv/bin/python -m bench.languages                   # SQLite and PostgreSQL
    .venv/bin/python -m bench.languages --db sqlite --reps 30

Prints a Markdown table and writes it to `bench/results/languages-latest.md`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "languages-latest.md"
# Every shipped language; English first, as the reference.
LANGUAGES = ("en", "fr", "de", "es", "pt-br", "ja", "ar")
TIME_ZONE = "Europe/Paris"
TARGET_RATIO = 1.10


def page_urls(task) -> dict[str, str]:
    from django.urls import reverse

    from bench.measure import rare_term

    detail = reverse("export_detail", args=[task.public_id])
    return {
        "home": reverse("home"),
        "export, page 1": detail,
        "export, sorted by name, page 20": f"{detail}?sort=name&page=20",
        "export, a search": f"{detail}?q={rare_term(task)}",
        "duplicates, page 1": reverse("export_duplicates", args=[task.public_id]),
    }


def language_clients(user) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    clients = {}
    for language in LANGUAGES:
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.cookies["tz"] = TIME_ZONE
        clients[language] = client
    return clients


def _timed_get(client, url: str, language: str) -> float:
    start = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} in {language} answered {response.status_code}")
    if f'lang="{language}"' not in response.content.decode()[:200]:
        raise RuntimeError(f"GET {url} was not shown in {language}")
    return elapsed


def measure(size: int, reps: int) -> dict[str, Any]:
    """Run in the worker process: Django is set up on a migrated throwaway database."""
    from django.db import connection

    from bench import measure as harness
    from bench.body import export_body

    task, _ = harness.ingest_app(export_body(size), harness.bench_user("languages"))
    clients = language_clients(task.owner)
    pages = {}
    for label, url in page_urls(task).items():
        times: dict[str, list[float]] = {language: [] for language in LANGUAGES}
        for index in range(3 + reps):
            for language, client in clients.items():
                elapsed = _timed_get(client, url, language)
                if index >= 3:  # the first three warm the caches
                    times[language].append(elapsed)
        pages[label] = {
            language: {
                "median_ms": harness.median(values) * 1000,
                "p95_ms": harness.percentile(values, 0.95) * 1000,
            }
            for language, values in times.items()
        }
    return {"vendor": connection.vendor, "size": size, "reps": reps, "pages": pages}


def report(results: list[dict[str, Any]]) -> str:
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"Each page's p95 in ms, and in brackets its ratio to the same page's p95 in English "
        f"(target ≤ {TARGET_RATIO:.2f}); the last column, the worst of the translated "
        f"languages' ratios, of p95 and of the median; load average at the end {load}.",
        "",
    ]
    header = ["database", "page", *LANGUAGES, "worst ratio: p95, median"]
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    misses = 0
    for result in results:
        for label, figures in result["pages"].items():
            english = figures["en"]["p95_ms"]
            ratios = {lang: figures[lang]["p95_ms"] / english for lang in LANGUAGES}
            worst = max(ratio for lang, ratio in ratios.items() if lang != "en")
            english_median = figures["en"]["median_ms"]
            worst_median = max(
                figures[lang]["median_ms"] / english_median for lang in LANGUAGES if lang != "en"
            )
            misses += worst > TARGET_RATIO
            cells = [result["vendor"], label]
            cells += [f"{figures[lang]['p95_ms']:.1f} ({ratios[lang]:.2f})" for lang in LANGUAGES]
            verdict = "" if worst <= TARGET_RATIO else " (missed)"
            cells.append(f"{worst:.2f}{verdict}, {worst_median:.2f}")
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"{misses} page(s) over the target." if misses else "Every page within target."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from bench.cli import Knob, one_measurement

    one_measurement(
        "bench.languages",
        measure=measure,
        describe=report,
        results_path=RESULTS,
        size=10_000,
        postgres_db="contactsapp_bench_languages",
        knobs=(Knob("--reps", "BENCH_LANGUAGE_REPS", 150, "requests a page and language"),),
    )
