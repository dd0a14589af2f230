"""The whole journey by keyboard alone, with the focus visible at every stop.

Sign in → export → search → sort → page → download → delete, pressing only Tab, Shift+Tab,
Enter and typing: no clicks. Every element the focus lands on in the app must show it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.checks import export_url_pattern, look
from tests.e2e.conftest import App, Browser

pytestmark = pytest.mark.django_db(transaction=True)

# The focused element, and whether anything shows it: an outline or a focus ring (box-shadow).
_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {visible: outline || style.boxShadow !== 'none',
          what: el.outerHTML.slice(0, 120)};
}"""


def tab_to(page: Page, selector: str, *, limit: int = 150, check_focus: bool = True) -> None:
    """Press Tab until the element matching `selector` has the focus; check it shows."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            if check_focus:
                focus = page.evaluate(_FOCUS)
                assert focus and focus["visible"], f"focus not visible on {focus}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_whole_journey_by_keyboard_alone(browser: Browser, app: App):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=1.0)
    page.goto("/")

    # Sign in: the landing page's button, then LinkedIn's consent page (its first member).
    tab_to(page, 'main a[href^="/auth/login/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{app.sandbox.url}/oauth/v2/authorization**")
    tab_to(page, 'input[type=radio][value="typical"]', check_focus=False)
    tab_to(page, 'button[value="allow"]', check_focus=False)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{app.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada Lovelace")

    # Export.
    tab_to(page, 'form[action="/exports/"] button')
    page.keyboard.press("Enter")
    page.wait_for_url(export_url_pattern())
    expect(page.get_by_test_id("total-contacts")).to_have_text("321", timeout=20_000)

    # Search.
    tab_to(page, "#contact-search")
    page.keyboard.type("example.net", delay=20)
    expect(page.get_by_test_id("match-count")).to_contain_text("match “example.net”")
    look(ui, "searched")

    # Sort by name, keeping the search.
    tab_to(page, 'a[href*="sort=name"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=example\.net.*sort=name|sort=name.*q=example\.net"))

    # The next page.
    tab_to(page, 'a[rel="next"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"page=2"))
    look(ui, "sorted-next-page")

    # Download: open the menu, then the plain CSV in it.
    tab_to(page, "details.download-menu > summary")
    page.keyboard.press("Enter")
    expect(page.locator("details.download-menu")).to_have_attribute("open", "")
    tab_to(page, 'a[data-format="csv"]')
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")

    # Delete: the link, then the confirmation page's button.
    tab_to(page, 'a[href$="/delete/"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Delete this address book?")).to_be_visible()
    tab_to(page, 'form[action$="/delete/"] button[type="submit"]')
    look(ui, "delete-confirm-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{app.url}/")
    expect(page.get_by_text("is deleted, with everything we stored for it")).to_be_visible()
    expect(page.get_by_test_id("export-row")).to_have_count(0)
    look(ui, "deleted")
