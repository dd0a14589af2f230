"""The LinkedIn data archive in a real browser, each state at 1280 and 390 px (`checks.look`):
the upload queued and its progress polled, done, a company's contacts, the Member Data
Portability offer, a failed fetch, and a newer archive's changes in the changes panel.

The worker is this test: it runs the worker's round while the page polls.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from enrichment.services.archive import connections_text
from enrichment.services.carrying import archives_carry_due
from enrichment.services.connections_csv import connection_rows
from enrichment.services.storing import archive_join
from exports.models import ExportTask
from tests.e2e.checks import look
from tests.e2e.conftest import DESKTOP, PHONE, App, Browser
from tests.e2e.steps import sign_in, start_export
from tests.enrichment.archives import portability_configured, sandbox_archive, worker_round

pytestmark = pytest.mark.django_db(transaction=True)


def both_widths(ui: Browser, state: str) -> None:
    for size, label in ((DESKTOP, "1280"), (PHONE, "390")):
        ui.page.set_viewport_size(size)
        look(ui, f"{state}-{label}")
    ui.page.set_viewport_size(DESKTOP)


def worker_round_beside() -> None:
    """The worker's round, in a thread: Playwright's loop makes this one async to Django."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(worker_round).result()


def archive_page(page: Page) -> None:
    page.goto("/")
    start_export(page)
    expect(page.get_by_role("heading", name="Your contacts are ready")).to_be_visible(
        timeout=20_000
    )
    page.get_by_role(
        "link", name="Add company and position from your LinkedIn data archive"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Add company and position")


def test_the_archive_uploaded_joined_by_the_worker_then_a_company(
    browser: Browser, app: App, tmp_path
):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=0)
    sign_in(ui, app, "typical")
    archive_page(page)
    file = tmp_path / "Basic_LinkedInDataExport_12-06-2026.zip"
    file.write_bytes(sandbox_archive(app.sandbox))
    page.get_by_label("LinkedIn data archive (.zip) or Connections.csv").set_input_files(file)
    page.get_by_role("button", name="Add company and position").click()
    progress = page.get_by_test_id("enrichment-progress")
    expect(progress).to_contain_text("being joined to your")
    both_widths(ui, "progress")
    worker_round_beside()
    # The panel polls every 2 s: the result replaces it without a reload.
    expect(page.get_by_test_id("enrichment-result")).to_be_visible(timeout=10_000)
    expect(progress).to_have_count(0)
    both_widths(ui, "done")
    chip = page.get_by_test_id("companies").get_by_role("link").first
    company = chip.inner_text()
    chip.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Who you know at {company}")
    expect(page.get_by_test_id("company-count")).to_contain_text("work there")
    rows = page.get_by_test_id("company-contacts").locator("tbody tr")
    assert rows.count() >= 2
    assert set(rows.locator("td.contact-company").all_inner_texts()) == {company}
    both_widths(ui, "company")


def test_the_member_data_portability_offer_and_an_expired_token(
    browser: Browser, app: App, settings
):
    ui, page = browser, browser.page
    portability_configured(settings)
    app.sandbox.set_knobs(task_seconds=0, snapshot_fault="token_expired")
    sign_in(ui, app, "typical")
    archive_page(page)
    offer = page.get_by_test_id("portability-offer")
    expect(offer).to_be_visible()
    both_widths(ui, "api-offer")
    offer.get_by_role("button", name="Fetch company and position from LinkedIn").click()  # a link
    page.wait_for_url(f"{app.sandbox.url}/oauth/v2/authorization**")
    expect(page.locator("body")).to_contain_text("r_dma_portability_3rd_party")
    page.get_by_role("radio", name=re.compile("Ada")).first.check()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(r"/company-and-position/"))
    expect(page.get_by_test_id("enrichment-progress")).to_contain_text("Fetching your connections")
    both_widths(ui, "api-fetching")
    worker_round_beside()
    expect(page.get_by_test_id("enrichment-failed")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("enrichment-failure")).to_contain_text("no longer accepts")
    both_widths(ui, "api-failed")


def newer_archive_joined() -> None:
    """The member's first book joined to their sandbox archive, carried to the second, then
    a newer archive in which every third connection moved company and every fifth changed
    position joined to the second (the way the worker and an upload would)."""
    first, second = ExportTask.objects.order_by("requested_at")
    rows = connection_rows(connections_text(sandbox_archive_bytes[0]).text)
    archive_join(task=first, rows=rows, file_kind="zip")
    archives_carry_due(now=timezone.now())
    newer = [
        row._replace(
            company=f"{row.company} (Europe)" if index % 3 == 0 and row.company else row.company,
            title=f"Senior {row.title}" if index % 5 == 0 and row.title else row.title,
        )
        for index, row in enumerate(rows)
    ]
    archive_join(task=second, rows=newer, file_kind="zip")


sandbox_archive_bytes: list[bytes] = []


def test_a_newer_archive_in_the_changes_panel(browser: Browser, app: App):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=0)
    sign_in(ui, app, "typical")
    for _export in range(2):
        page.goto("/")
        start_export(page)
        expect(page.get_by_role("heading", name="Your contacts are ready")).to_be_visible(
            timeout=20_000
        )
    sandbox_archive_bytes[:] = [sandbox_archive(app.sandbox)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(newer_archive_joined).result()
    page.reload()
    changes = page.get_by_test_id("changes-company")
    expect(changes).to_be_visible()
    changes.locator("summary").click()  # more than five: the list starts closed
    expect(changes.locator("del").first).to_be_visible()
    expect(page.get_by_test_id("changes-company-count")).not_to_have_text("0")
    changes.evaluate("element => element.scrollIntoView({block: 'start'})")
    both_widths(ui, "changes")
