"""The contacts list in a real browser, at desktop and phone width, with the typical book.

The typical member's book holds a 296-character name, names in many scripts, markup and
formulas, and blanks in every column. Screenshots: artifacts/screenshots/contacts_list-*.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import App, Browser
from tests.e2e.steps import sign_in, start_export

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

# E-mails and phones whose boxes sit on more than one line: broken across lines.
BROKEN_VALUES = """() => [...document.querySelectorAll(
    'table.contacts td.contact-email a, table.contacts td.contact-phone span')]
  .filter((el) => new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size > 1)
  .map((el) => el.textContent)"""
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


def ready_book(ui: Browser, app: App) -> Page:
    page = ui.page
    sign_in(ui, app, "typical")
    start_export(page)
    expect(page.get_by_role("heading", name="Your contacts are ready")).to_be_visible(
        timeout=20_000
    )
    return page


def long_name_cell(page: Page):
    return page.locator("td.contact-name", has_text="A Very Long Name Indeed")


def test_long_values_are_cut_not_squeezed_at_desktop_width(browser: Browser, app: App):
    ui = browser
    page = ready_book(ui, app)
    page.goto(page.url + "?sort=name")
    cell = long_name_cell(page)
    expect(cell).to_have_count(1)
    table = page.locator("table.contacts").bounding_box()
    email = page.locator("th.sort-email").bounding_box()
    phone = page.locator("th.sort-phone").bounding_box()
    # The name's column keeps its share; e-mail and phone keep theirs (were ~150 px).
    assert cell.bounding_box()["width"] <= table["width"] * 0.45
    assert email["width"] >= 400 and phone["width"] >= 250
    assert cell.bounding_box()["height"] < 60  # one line, cut with an ellipsis
    assert cell.get_attribute("title").startswith("A Very Long Name Indeed Indeed")
    assert page.evaluate(BROKEN_VALUES) == []
    assert page.evaluate(PAGE_WIDTH) <= DESKTOP["width"]
    ui.screenshot("desktop-sorted-by-name")


def test_at_phone_width_each_contact_is_a_card_and_nothing_scrolls_sideways(
    browser: Browser, app: App
):
    ui = browser
    page = ready_book(ui, app)
    page.set_viewport_size(PHONE)
    for query in ("?sort=name", "?sort=-phone&page=2", "?q=example&sort=email"):
        page.goto(page.url.split("?")[0] + query)
        rows = page.locator("table.contacts tbody tr")
        expect(rows.first).to_be_visible()
        assert page.evaluate(PAGE_WIDTH) <= PHONE["width"], query
        assert page.evaluate(BROKEN_VALUES) == [], query
        first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
        assert second["y"] >= first["y"] + first["height"]  # cards, one under the other
        assert first["width"] <= PHONE["width"]
    page.goto(page.url.split("?")[0] + "?sort=name")
    expect(long_name_cell(page)).to_have_count(1)
    assert long_name_cell(page).bounding_box()["height"] < 120  # at most three lines
    ui.screenshot("phone-sorted-by-name")
    page.locator("table.contacts").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -120)")
    ui.screenshot("phone-cards", full_page=False)
    long_name_cell(page).scroll_into_view_if_needed()
    ui.screenshot("phone-long-name", full_page=False)
    page.get_by_role("navigation", name="Pages").scroll_into_view_if_needed()
    ui.screenshot("phone-pages", full_page=False)


def test_typing_a_search_keeps_the_sort_and_pages_jump_anywhere(browser: Browser, app: App):
    ui = browser
    page = ready_book(ui, app)
    # Sort by phone, descending, through htmx (the page is not reloaded).
    page.evaluate("window.__marker = 1")
    header = page.locator("th.sort-phone")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    page.get_by_label("Search by name, email or phone").fill("example")
    page.wait_for_url(re.compile(r"q=example"))
    assert "sort=-phone" in page.url
    expect(page.locator("th.sort-phone")).to_have_attribute("aria-sort", "descending")
    expect(page.get_by_test_id("match-count")).to_contain_text("match “example”")
    assert page.evaluate("window.__marker") == 1, "the search reloaded the page"
    # Playwright's screenshot leaves style="" on inputs: htmx must not copy it onto the
    # swapped-in list (nothing in it has an id of its own), or the CSP reports it.
    ui.screenshot("search-keeps-sort")
    # Go to the last page, then to page 2 by number.
    pages = page.get_by_role("navigation", name="Pages")
    last = pages.get_by_role("link", name=re.compile(r"^Last page"))
    last_number = last.text_content().strip()
    last.click()
    expect(pages.get_by_test_id("current-page")).to_have_text(f"Page {last_number}")
    page.get_by_label("Go to page").fill("2")
    page.get_by_role("button", name="Go").click()
    expect(pages.get_by_test_id("current-page")).to_have_text("Page 2")
    assert "sort=-phone" in page.url and "q=example" in page.url and "page=2" in page.url
    assert page.evaluate("window.__marker") == 1
    ui.screenshot("search-sort-and-page-kept")
