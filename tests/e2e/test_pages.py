"""Trust in the details, in a real browser at 1280 and 390 px: a pager legible at any page
count, search results in view as the member types, the member's whole name in the header,
friendly error pages, and a countdown that counts. Screenshots: artifacts/screenshots/trust-*.
"""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.checks import look
from tests.e2e.conftest import DESKTOP, PHONE, App, Browser
from tests.e2e.steps import sign_in, start_export

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [pytest.param(DESKTOP, id="1280"), pytest.param(PHONE, id="390")]


def ready(ui: Browser, app: App, member: str) -> Page:
    page = ui.page
    sign_in(ui, app, member)
    start_export(page)
    expect(page.get_by_role("heading", name="Your contacts are ready")).to_be_visible(
        timeout=60_000
    )
    return page


# The pager's items (links, the current page, gaps, Previous/Next) as boxes, in order.
PAGER_ITEMS = """() => [...document.querySelectorAll('nav.pagination ul > li')].map((li) => {
  const r = (li.firstElementChild || li).getBoundingClientRect();
  const el = li.firstElementChild || li;
  return {text: li.textContent.trim(), left: r.left, right: r.right, top: r.top,
          bottom: r.bottom, border: parseFloat(getComputedStyle(el).borderTopWidth)};
})"""


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_pager_stays_legible_with_four_digit_page_numbers(
    browser: Browser, app: App, settings, viewport
):
    settings.CONTACTS_PER_PAGE = 50  # the large book's 50,000 contacts: 1,000 pages
    ui = browser
    page = ready(ui, app, "large")
    page.goto(page.url + "?page=900")
    expect(page.get_by_test_id("current-page")).to_contain_text("900")
    look(ui, "pager-page-900")
    items = page.evaluate(PAGER_ITEMS)
    texts = [item["text"] for item in items]
    assert texts[0].startswith("←") and texts[-1].endswith("→"), texts
    assert texts[1:-1] == ["1", "…", "898", "899", "Page 900", "901", "902", "…", "1,000"]
    for item in items:
        if re.fullmatch(r"(Page )?[\d,]+", item["text"]):
            assert item["border"] >= 1, item  # each number in a box of its own
        assert item["bottom"] - item["top"] < 48, item  # never broken across lines
    for before, after in pairwise(items):
        if abs(before["top"] - after["top"]) < 6:  # neighbours on one line
            assert after["left"] - before["right"] >= 6, (before, after)  # apart
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # From the last page back to the first, the same holds (no Next, no Previous).
    page.get_by_role("link", name="Last page, 1000").click()
    expect(page.get_by_test_id("current-page")).to_contain_text("1,000")
    look(ui, "pager-last-page")
    texts = [item["text"] for item in page.evaluate(PAGER_ITEMS)]
    assert texts == ["← Previous", "1", "…", "998", "999", "Page 1,000"], texts


LAPTOP = {"width": 1280, "height": 800}
SEARCH_WIDTHS = [pytest.param(LAPTOP, id="1280x800"), pytest.param(PHONE, id="390")]


@pytest.mark.parametrize("viewport", SEARCH_WIDTHS)
def test_search_results_come_into_view_as_the_member_types(browser: Browser, app: App, viewport):
    ui = browser
    page = ready(ui, app, "typical")
    search = page.get_by_role("searchbox", name="Search by name, email or phone")
    search.click()
    search.press_sequentially("garcia", delay=40)
    expect(page.get_by_test_id("match-count")).to_contain_text("match “garcia”")
    first_result = page.locator("table.contacts tbody tr").first
    expect(first_result).to_contain_text("Garcia", ignore_case=True)
    expect(first_result).to_be_in_viewport()
    expect(search).to_be_in_viewport()
    expect(search).to_be_focused()
    ui.screenshot("search-in-view", full_page=False)
    look(ui, "search-results")


MEMBERS_BY_NAME = ["changing", "noperm", "typical"]


@pytest.mark.parametrize("member", MEMBERS_BY_NAME)
@pytest.mark.parametrize("viewport", [pytest.param(PHONE, id="390")])
def test_the_members_whole_name_is_in_the_header_at_phone_width(
    browser: Browser, app: App, member, viewport
):
    ui = browser
    name = sign_in(ui, app, member)
    shown = ui.page.get_by_test_id("member-name")
    expect(shown).to_have_text(name)
    expect(shown).to_have_attribute("title", name)
    cut = shown.evaluate(
        "(el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1"
    )
    assert not cut, f"{name} is cut in the header"
    look(ui, f"header-{member}")


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_next_exports_countdown_counts_and_its_button_waits(
    browser: Browser, app: App, settings, viewport
):
    settings.EXPORT_MIN_SPACING = 6
    ui = browser
    page = ready(ui, app, "typical")
    page.goto("/")
    button = page.get_by_role("button", name="Export my address book")
    countdown = page.locator("[data-countdown]")
    expect(button).to_be_disabled()
    first = countdown.inner_text()
    assert re.fullmatch(r"\d seconds?", first), first
    look(ui, "countdown")
    expect(countdown).not_to_have_text(first)  # it counts
    notice = page.get_by_test_id("next-export")
    expect(notice).to_have_text("You can start your next export now.", timeout=15_000)
    expect(button).to_be_enabled()
    expect(notice).to_have_attribute("role", "status")
    look(ui, "countdown-done")
    button.click()
    page.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_failed_export_then_a_deleted_one_read_true_at_every_step(
    browser: Browser, app: App, settings, viewport
):
    settings.DEBUG = True  # as under `make run`
    ui = browser
    page = ui.page
    sign_in(ui, app, "failing")
    start_export(page)
    expect(page.get_by_role("heading", name="The export did not work")).to_be_visible(
        timeout=20_000
    )
    expect(page.get_by_role("link", name="Delete this address book now")).to_have_count(0)
    look(ui, "failed")
    failed_url = page.url
    page.get_by_role("link", name="Remove this failed export from your list").click()
    expect(page.get_by_role("heading", name="Remove this failed export?")).to_be_visible()
    look(ui, "failed-remove-confirm")
    page.get_by_role("button", name="Remove it from your list").click()
    page.wait_for_url(f"{app.url}/")
    expect(page.get_by_test_id("no-exports")).to_be_visible()
    expect(page.get_by_text("Your first one")).to_have_count(0)
    look(ui, "home-after-removing")
    ui.expect_console_error("404")
    page.goto(failed_url)
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()
    expect(page.get_by_text("URLconf")).to_have_count(0)
    look(ui, "not-found-under-debug")
    page.goto("/my-data/delete/")
    expect(page.get_by_test_id("delete-all-exports")).to_have_count(0)
    look(ui, "delete-all-without-exports")


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_delete_all_page_counts_one_export_and_the_landing_names_every_format(
    browser: Browser, app: App, viewport
):
    ui = browser
    page = ready(ui, app, "typical")
    page.goto("/my-data/delete/")
    expect(page.get_by_test_id("delete-all-exports")).to_contain_text(
        "your export and every contact in it"
    )
    look(ui, "delete-all-one-export")
    page.get_by_role("button", name="Delete all my data").click()
    page.wait_for_url(f"{app.url}/")
    lead = page.locator(".hero .lead")
    for name in ("vCard", "Google", "Outlook", "spreadsheet", "CSV", "JSON"):
        expect(lead).to_contain_text(name)
    look(ui, "landing")


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_download_menu_says_what_its_files_hold_past_the_count_bound(
    browser: Browser, app: App, viewport
):
    ui = browser
    page = ready(ui, app, "large")
    search = page.get_by_role("searchbox", name="Search by name, email or phone")
    search.fill("garcia")
    scope = page.locator("#download-scope")
    expect(scope).to_contain_text("every contact matching “garcia” (more than 1,000)")
    expect(scope).not_to_contain_text("only the 1,000")
    menu = page.get_by_test_id("download-menu")
    menu.locator("summary").click()
    expect(menu).to_contain_text("Contacts with no name, e-mail or phone are left out")
    expect(menu).to_contain_text("when they are valid numbers")
    menu.evaluate("element => element.scrollIntoView({block: 'start'})")
    ui.screenshot("download-menu-large-search", full_page=False)
    look(ui, "download-menu-large-search-page")


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_changing_members_american_number_is_shown_as_sent(
    browser: Browser, app: App, viewport
):
    ui = browser
    page = ready(ui, app, "changing")
    page.get_by_role("searchbox", name="Search by name, email or phone").fill("john.smith")
    expect(page.get_by_test_id("match-count")).to_contain_text(
        "1 of 60 contacts matches “john.smith”"
    )
    row = page.locator("table.contacts tbody tr").filter(has_text="Smith, John")
    expect(row).to_have_count(1)
    expect(row.locator("td.contact-phone")).to_have_text("415-555-0102")
    expect(page.locator("body")).not_to_contain_text("+44415")
    look(ui, "changing-phone-as-sent")
