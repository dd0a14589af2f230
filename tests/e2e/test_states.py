"""Every demo member through every state, at 1280 px and at 390 px, as a person sees it.

At each state `look` saves a screenshot to artifacts/screenshots/ (named after the test, the
width and the state) and checks: nothing wider than the window, no e-mail broken across lines,
no serious or critical axe-core violation, no console error or CSP violation.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import look
from tests.e2e.conftest import DESKTOP, PHONE, App, Browser
from tests.e2e.steps import BRAND, go_home, sign_in, start_export

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"]),
]


def sign_in_checking_consent(ui: Browser, app: App, member: str) -> str:
    """Sign in as every browser test does, checking the consent page as every state here is."""
    return sign_in(ui, app, member, on_consent=lambda: look(ui, "consent", accessibility=False))


def test_typical_member(browser: Browser, app: App, settings):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=3.0)  # long enough to see each export being generated
    page.goto("/")
    expect(page).to_have_title(re.compile(f"· {BRAND}$"))
    expect(page.get_by_role("heading", name="What we keep, for how long")).to_be_visible()
    look(ui, "landing")

    sign_in_checking_consent(ui, app, "typical")
    expect(page.get_by_text("No address book is stored here for you.")).to_be_visible()
    look(ui, "home-first-visit")

    start_export(page)
    panel = page.locator("#export-panel")
    expect(panel.get_by_role("heading", name=re.compile("LinkedIn is preparing"))).to_be_visible()
    expect(page.locator(".messages")).to_have_count(0)  # the panel says it; no flash
    look(ui, "generating")

    expect(page.get_by_test_id("total-contacts")).to_have_text("321", timeout=20_000)
    expect(
        page.get_by_text(re.compile(r"Available until \d+ \w+ \d{4}, [\d:]{8} UTC"))
    ).to_be_visible()
    look(ui, "ready")

    # Search, clear it, and go Back: no CSP violation on the way (htmx restores history).
    search = page.get_by_label("Search by name, email or phone")
    search.press_sequentially("müller", delay=20)
    expect(page.get_by_test_id("match-count")).to_contain_text("match “müller”")
    look(ui, "search")
    search.fill("")
    search.dispatch_event("input")
    expect(page.get_by_test_id("match-count")).not_to_contain_text("match")
    page.go_back()
    expect(page.get_by_test_id("match-count")).to_contain_text("match “müller”")
    look(ui, "search-back")

    # Home: the export, told apart by its time to the second, with its size.
    go_home(page)
    row = page.get_by_test_id("export-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ready")
    expect(row).to_contain_text("321 contacts")
    expect(row).to_contain_text(re.compile(r"\d{4}, \d\d:\d\d:\d\d UTC"))
    look(ui, "home-ready")

    # A second export, watched from the home page only: its row updates by itself.
    start_export(page)
    go_home(page)
    generating = page.get_by_test_id("export-row").first
    expect(generating).to_contain_text("Generating")
    look(ui, "home-generating")
    expect(generating).to_contain_text("Ready", timeout=20_000)
    expect(page.get_by_test_id("export-row").filter(has_text="Generating")).to_have_count(0)
    look(ui, "home-updated")

    # Too soon for a third: a clear message, once.
    settings.EXPORT_MIN_SPACING = 3600
    page.get_by_role("button", name="Export my address book").click()
    expect(page.get_by_text("You started an export less than an hour ago")).to_be_visible()
    look(ui, "spacing")
    page.reload()
    expect(page.get_by_text("You started an export")).to_have_count(0)

    # Delete one address book: a confirmation page, then it is gone.
    page.get_by_test_id("export-row").first.get_by_role("link").click()
    page.get_by_role("link", name="Delete this address book now").click()
    expect(page.get_by_role("heading", name="Delete this address book?")).to_be_visible()
    look(ui, "delete-confirm")
    page.get_by_role("button", name="Delete this address book now").click()
    page.wait_for_url(f"{app.url}/")
    expect(page.get_by_text("is deleted, with everything we stored for it")).to_be_visible()
    expect(page.get_by_test_id("export-row")).to_have_count(1)
    look(ui, "deleted-one")

    # A page that does not exist (or is another member's), in the same clothes.
    ui.expect_console_error("status of 404")
    page.goto(f"/exports/{uuid.uuid4()}/")
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()
    look(ui, "not-found")
    go_home(page)

    # Delete all my data: a confirmation page, then signed out with nothing left.
    page.get_by_role("link", name="Delete all my data").click()
    expect(page.get_by_role("heading", name="Delete all your data?")).to_be_visible()
    look(ui, "delete-all-confirm")
    page.get_by_role("button", name="Delete all my data").click()
    page.wait_for_url(f"{app.url}/")
    expect(page.get_by_text("Everything we held about you is deleted")).to_be_visible()
    expect(page.get_by_test_id("member-name")).to_have_count(0)
    look(ui, "deleted-all")


def test_large_member(browser: Browser, app: App):
    ui, page = browser, browser.page
    sign_in_checking_consent(ui, app, "large")
    start_export(page)
    expect(page.get_by_test_id("total-contacts")).to_have_text("50,000", timeout=60_000)
    look(ui, "ready")
    go_home(page)
    expect(page.get_by_test_id("export-row")).to_contain_text("50,000 contacts")
    look(ui, "home-ready")


def test_empty_member(browser: Browser, app: App):
    ui, page = browser, browser.page
    sign_in_checking_consent(ui, app, "empty")
    start_export(page)
    heading = page.get_by_role("heading", name="LinkedIn has no contacts for you")
    expect(heading).to_be_visible(timeout=20_000)
    expect(page.get_by_role("search")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Download|CSV|JSON"))).to_have_count(0)
    expect(page.get_by_text("Your contacts are ready")).to_have_count(0)
    look(ui, "empty-book")
    go_home(page)
    expect(page.get_by_test_id("export-row")).to_contain_text("LinkedIn has no contacts for you")
    look(ui, "home-empty-book")


def test_failing_member(browser: Browser, app: App):
    ui, page = browser, browser.page
    sign_in_checking_consent(ui, app, "failing")
    start_export(page)
    expect(page.get_by_role("heading", name="The export did not work")).to_be_visible(
        timeout=20_000
    )
    expect(page.get_by_test_id("failure-reason")).to_contain_text("could not generate")
    look(ui, "failed")
    go_home(page)
    row = page.get_by_test_id("export-row")
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("LinkedIn could not generate your address book this time.")
    look(ui, "home-failed")


def test_noperm_member(browser: Browser, app: App):
    ui, page = browser, browser.page
    sign_in_checking_consent(ui, app, "noperm")
    start_export(page)
    heading = page.get_by_role("heading", name="LinkedIn did not grant access to your contacts")
    expect(heading).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    linkedin_text = page.get_by_text("Not enough permissions to access")
    expect(linkedin_text).to_be_hidden()  # folded away in <details>
    look(ui, "no-permission")
    page.get_by_text("What LinkedIn said").click()
    expect(linkedin_text).to_be_visible()
    look(ui, "no-permission-details")

    go_home(page)
    expect(page.get_by_test_id("export-row")).to_contain_text(
        "LinkedIn did not grant access to your contacts."
    )
    look(ui, "home-no-permission")

    # A fresh consent, not a retry: LinkedIn shows every permission again.
    page.get_by_test_id("export-row").get_by_role("link").click()
    page.get_by_role("button", name="Sign in again and grant access").click()
    page.wait_for_url(
        re.compile(re.escape(app.sandbox.url) + r"/oauth/v2/authorization.*prompt=consent")
    )
    expect(page.get_by_test_id("fresh-consent")).to_be_visible()
    # The app names who it expects (login_hint), so LinkedIn picks the same member.
    expect(page.get_by_role("radio", name=re.compile("du Châtelet"))).to_be_checked()
    look(ui, "fresh-consent", accessibility=False)
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{app.url}/")
    start_export(page)
    expect(page.get_by_test_id("total-contacts")).to_have_text("17", timeout=20_000)
    look(ui, "granted-ready")


def test_typical_member_expired(browser: Browser, app: App):
    ui, page = browser, browser.page
    ui.expect_console_error("status of 410")  # an expired address book is 410 Gone
    app.sandbox.set_knobs(task_seconds=0.5, result_ttl=3.0)
    sign_in_checking_consent(ui, app, "typical")
    start_export(page)
    expect(page.get_by_test_id("total-contacts")).to_have_text("321", timeout=20_000)
    # LinkedIn's copy expires: the next visit says so, and offers a fresh one.
    expired = page.get_by_role("heading", name="This address book has expired")
    for _ in range(20):
        page.wait_for_timeout(500)
        page.reload()
        if expired.count():
            break
    expect(expired).to_be_visible()
    expect(page.get_by_role("button", name="Generate a fresh one")).to_be_visible()
    look(ui, "expired")
    go_home(page)
    row = page.get_by_test_id("export-row")
    expect(row).to_contain_text("Expired")
    expect(row).to_contain_text("its contacts are deleted from this site")
    look(ui, "home-expired")
