"""What a person sees in a real browser: sign in, export, watch, browse, download, sign out.

Each step saves a screenshot to artifacts/screenshots/ (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from playwright.sync_api import Page, expect

from exports.downloads.formulas import neutralise
from tests.e2e.conftest import App, Browser
from tests.e2e.steps import cells, open_consent_page, sign_in, start_export

pytestmark = pytest.mark.django_db(transaction=True)

PER_PAGE = 50  # CONTACTS_PER_PAGE
SEARCH = "corp.example"


def set_marker(page: Page) -> None:
    """Mark this document: the mark is lost if the page reloads."""
    page.evaluate("window.__marker = 1")


def still_the_same_document(page: Page) -> bool:
    return page.evaluate("window.__marker") == 1


def test_the_whole_journey_of_a_typical_member(browser: Browser, app: App):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=3.5)  # long enough to see the export being generated
    expected = app.sandbox.contacts("typical")
    matching = [c for c in expected if SEARCH in "\n".join(cells(c)).lower()]
    assert len(matching) > PER_PAGE, "the search should need two pages"

    # A visitor sees what the site does, and signs in with LinkedIn.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Take your LinkedIn address book home"
    )
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    ui.screenshot("landing")
    name = sign_in(ui, app, "typical", on_consent=lambda: ui.screenshot("consent"))

    # Home greets them by name, with their LinkedIn picture in the header.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    expect(page.get_by_text(f"Signed in with LinkedIn as {name}.")).to_be_visible()
    picture = page.locator("header img.avatar")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0"), "picture not loaded"
    expect(page.get_by_text("No address book is stored here for you.")).to_be_visible()
    ui.screenshot("home")

    # Exporting shows the export being generated...
    start_export(page)
    panel = page.locator("#export-panel")
    expect(panel.get_by_role("heading", name=re.compile("LinkedIn is preparing"))).to_be_visible()
    expect(panel.locator("progress")).to_be_visible()
    expect(page.get_by_text("Generating", exact=True)).to_be_visible()
    set_marker(page)
    ui.screenshot("generating")

    # ...and then the results, in place: the page is never reloaded.
    expect(page.get_by_test_id("total-contacts")).to_have_text(str(len(expected)), timeout=20_000)
    assert still_the_same_document(page), "the page reloaded"
    expect(panel.get_by_role("heading", name=re.compile("LinkedIn is preparing"))).to_have_count(0)
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Your contacts are ready")).to_be_visible()
    expect(page.get_by_test_id("match-count")).to_have_text(f"{len(expected)} contacts.")
    rows = page.locator("table.contacts tbody tr")
    expect(rows).to_have_count(PER_PAGE)
    expect(rows.first.locator("td").first).to_have_text(cells(expected[0])[0])
    ui.screenshot("results")
    page.set_viewport_size({"width": 390, "height": 844})
    ui.screenshot("results-phone", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 860})
    page.emulate_media(color_scheme="dark")
    ui.screenshot("results-dark", full_page=False)
    page.emulate_media(color_scheme="light")

    # Typing in the search box narrows the rows as they type.
    search = page.get_by_label("Search by name, email or phone")
    search.press_sequentially(SEARCH, delay=30)
    expect(page.get_by_test_id("match-count")).to_have_text(
        f"{len(matching)} of {len(expected)} contacts match “{SEARCH}”."
    )
    expect(rows).to_have_count(PER_PAGE)
    for row_text in rows.all_inner_texts():
        assert SEARCH in row_text.lower()
    assert still_the_same_document(page), "searching reloaded the page"
    assert f"q={SEARCH}" in page.url  # the address can be bookmarked and shared
    expect(page.locator("#search-status")).to_have_text(  # what a screen reader announces
        f"{len(matching)} contacts match “{SEARCH}”, page 1 of 2."
    )
    ui.screenshot("search")

    # The next page of the search results.
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages.get_by_test_id("current-page")).to_have_text("Page 1")
    expect(pages).to_contain_text("of 2")
    pages.get_by_role("link", name="Next →").click()
    expect(pages.get_by_test_id("current-page")).to_have_text("Page 2")
    expect(rows).to_have_count(len(matching) - PER_PAGE)
    expect(rows.first.locator("td").nth(1)).to_have_text(cells(matching[PER_PAGE])[1])
    assert still_the_same_document(page), "paging reloaded the page"
    ui.screenshot("next-page")

    # The CSV download is the sandbox's address book, made safe for spreadsheets.
    # The download menu has the search in hand ("download what I see"); the whole book here.
    page.get_by_text("Download your contacts").click()
    with page.expect_download() as download_info:
        page.locator("ul.download-formats").get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert re.fullmatch(r"linkedin-contacts-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8", newline="") as file:
        rows_in_file = list(csv.reader(io.StringIO(file.read())))
    assert rows_in_file[0][:3] == ["Name", "Email Address", "Phone Number"]
    assert [row[:3] for row in rows_in_file[1:]] == [
        [neutralise(cell) for cell in cells(c)] for c in expected
    ]

    # Home now lists the export as ready.
    page.get_by_role("link", name="Address Book for LinkedIn").click()
    export_row = page.get_by_test_id("export-row").filter(has_text="Ready")
    expect(export_row).to_contain_text(str(len(expected)))
    ui.screenshot("home-with-export")

    # Signing out: the export is no longer reachable; its address asks to sign in again.
    export_url = export_row.get_by_role("link").get_attribute("href")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.get_by_test_id("member-name")).to_have_count(0)
    ui.screenshot("signed-out")
    response = page.goto(export_url)
    assert response is not None and response.url.startswith(f"{app.sandbox.url}/oauth/")
    redirects = []
    hop = response.request.redirected_from
    while hop:
        redirects.append(hop.url)
        hop = hop.redirected_from
    assert any(f"/auth/login/?next={export_url}" in url.replace("%2F", "/") for url in redirects)
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    ui.screenshot("sign-in-again")


def test_cancelling_on_the_consent_page_offers_to_try_again(browser: Browser, app: App):
    ui, page = browser, browser.page
    ui.expect_console_error("status of 400")  # the cancelled sign-in's page is a 400
    open_consent_page(page, app)
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"{app.url}/auth/callback/**")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Signing in with LinkedIn did not work"
    )
    expect(page.get_by_text("You cancelled signing in with LinkedIn")).to_be_visible()
    expect(page.get_by_test_id("member-name")).to_have_count(0)
    ui.screenshot("cancelled")
    page.get_by_role("button", name="Try signing in again").click()
    page.wait_for_url(f"{app.sandbox.url}/oauth/v2/authorization**")
    expect(page.get_by_role("button", name="Allow")).to_be_visible()


def test_a_failing_export_says_why_and_offers_to_try_again(browser: Browser, app: App):
    ui, page = browser, browser.page
    sign_in(ui, app, "failing")
    start_export(page)
    set_marker(page)
    reason = page.get_by_test_id("failure-reason")
    expect(reason).to_contain_text("could not generate your address book", timeout=20_000)
    assert still_the_same_document(page), "the page reloaded"
    expect(page.get_by_role("heading", name="The export did not work")).to_be_visible()
    expect(page.get_by_text("Failed", exact=True)).to_be_visible()
    ui.screenshot("failed")

    page.get_by_role("button", name="Try again").click()
    page.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", name=re.compile("LinkedIn is preparing"))).to_be_visible()
    ui.screenshot("retrying")


def test_an_expired_export_offers_a_fresh_one(browser: Browser, app: App):
    ui, page = browser, browser.page
    ui.expect_console_error("status of 410")  # an expired address book is 410 Gone
    ttl = 6.0  # long enough for the first status poll, even on a busy machine
    app.sandbox.set_knobs(task_seconds=0.5, result_ttl=ttl)
    sign_in(ui, app, "typical")
    start_export(page)
    expect(page.get_by_test_id("total-contacts")).to_be_visible(timeout=20_000)
    finished_at = time.monotonic()

    # LinkedIn's download link expires; the next visit says so and offers a new export.
    time.sleep(max(0.0, ttl + 0.5 - (time.monotonic() - finished_at)))
    response = page.reload()
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", name="This address book has expired")).to_be_visible()
    expect(page.locator("table.contacts")).to_have_count(0)
    ui.screenshot("expired")

    page.get_by_role("link", name="Address Book for LinkedIn").click()
    expired_row = page.get_by_test_id("export-row").filter(has_text="Expired")
    expect(expired_row).to_have_count(1)
    ui.screenshot("home-expired")
    expired_row.get_by_role("link").click()
    app.sandbox.set_knobs(result_ttl=3600)  # the fresh one must outlive the page's next poll
    page.get_by_role("button", name="Generate a fresh one").click()
    page.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("total-contacts")).to_be_visible(timeout=20_000)
    ui.screenshot("fresh")
