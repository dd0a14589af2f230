"""A body LinkedIn sent that we cannot store, as the member sees it, at 1280 px and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import look
from tests.e2e.conftest import DESKTOP, PHONE, App, Browser
from tests.e2e.steps import go_home, sign_in, start_export

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"]),
]


def test_a_body_nested_too_deep_fails_with_what_to_do(browser: Browser, app: App):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(result_mode="deep")
    sign_in(ui, app, "typical")
    start_export(page)
    expect(page.get_by_role("heading", name="The export did not work")).to_be_visible(
        timeout=20_000
    )
    reason = page.get_by_test_id("failure-reason")
    expect(reason).to_contain_text("nested more than 20 levels deep")
    expect(reason).to_contain_text("contact support")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    look(ui, "rejected")
    go_home(page)
    row = page.get_by_test_id("export-row")
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("nested more than 20 levels deep")
    look(ui, "home-rejected")
