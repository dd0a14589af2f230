"""The language switcher and the browser's time zone in a real browser, at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import export_url_pattern, look
from tests.e2e.conftest import DESKTOP, PHONE, App, Browser
from tests.e2e.steps import choose_language, sign_in

WIDTHS = [pytest.param(DESKTOP, id="1280"), pytest.param(PHONE, id="390")]


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_switcher_turns_the_page_arabic_and_right_to_left_and_back(
    browser: Browser, app: App, viewport
):
    ui, page = browser, browser.page
    sign_in(ui, app, "typical")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "ltr")
    look(ui, "switcher-en")

    choose_language(page, "ar")  # picked in the list: it submits itself
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("[data-language-switcher] select")).to_have_value("ar")
    # The layout mirrors: the brand is on the right, the header's last list on the left.
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] + brand["width"] > viewport["width"] / 2
    look(ui, "switcher-ar")

    # Without JavaScript's help too: the button sends the form.
    page.locator("[data-language-switcher] select").evaluate("(select) => { select.value = 'en'; }")
    with page.expect_navigation():
        page.locator("[data-language-switcher] button").click()
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")


def test_the_browsers_time_zone_goes_into_the_tz_cookie_unencoded(browser: Browser, app: App):
    # The browser fixture's window runs in UTC: a second one, in São Paulo.
    context = browser.page.context.browser.new_context(
        base_url=app.url, timezone_id="America/Sao_Paulo"
    )
    try:
        page = context.new_page()
        page.goto("/")
        page.wait_for_load_state("load")
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert cookies["tz"]["value"] == "America/Sao_Paulo"
        assert cookies["tz"]["path"] == "/"
        assert cookies["tz"]["sameSite"] == "Lax"
    finally:
        context.close()


# Arabic (right to left) and Japanese (CJK) at both widths; the other languages, whose
# longer words are what crowd a layout, at the phone's.
JOURNEYS = [
    pytest.param(viewport, language, id=f"{label}-{language}")
    for language in ("ar", "ja")
    for viewport, label in ((DESKTOP, "1280"), (PHONE, "390"))
] + [
    pytest.param(PHONE, language, id=f"390-{language}") for language in ("fr", "de", "es", "pt-br")
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("viewport", "language"), JOURNEYS)
def test_the_journey_in_each_language(browser: Browser, app: App, viewport, language):
    """Every state a member meets on the way, in each language: each fits the window, is
    axe-clean, and is photographed (`look`); the member's name in the header is never
    squeezed into a column of letters. The steps go by test ids and forms, not by English
    names."""
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=2.0)
    sign_in(ui, app, "typical", language=language)
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    look(ui, f"{language}-home-first-visit")
    name = page.get_by_test_id("member-name").bounding_box()
    assert name["width"] >= 60, f"the member's name is squeezed to {name['width']:.0f} px"

    page.locator("form[action='/exports/'] button[type=submit]").click()
    page.wait_for_url(export_url_pattern())
    look(ui, f"{language}-generating")
    expect(page.get_by_test_id("total-contacts")).to_have_text("321", timeout=20_000)
    look(ui, f"{language}-ready")

    page.get_by_test_id("download-menu").locator("summary").click()
    look(ui, f"{language}-download-menu")

    search = page.locator("#contact-search")
    search.press_sequentially("müller", delay=20)
    expect(page.get_by_test_id("match-count")).to_contain_text("müller")
    look(ui, f"{language}-search")

    export_page = page.url
    for path, state in [
        ("duplicates/", "duplicates"),
        ("delete/", "delete-confirm"),
        ("company-and-position/", "company-and-position"),
    ]:
        page.goto(export_page.split("?")[0] + path)
        look(ui, f"{language}-{state}")
    ui.expect_console_error("status of 404")  # the not-found page, last below
    for path, state in [
        ("/", "home-with-an-export"),
        ("/devices/", "connect-a-phone"),
        ("/mail/settings/", "mail-settings"),
        ("/my-data/delete/", "delete-all-confirm"),
        ("/exports/00000000-0000-0000-0000-000000000000/", "not-found"),
    ]:
        page.goto(path)
        expect(html).to_have_attribute("lang", language)
        look(ui, f"{language}-{state}")
    # Phone numbers and e-mail addresses read left to right inside the mirrored page.
    page.goto(export_page.split("?")[0])
    if language == "ar":
        phone = page.locator("td[data-label] [dir=ltr], td [dir=ltr]").first
        expect(phone).to_have_attribute("dir", "ltr")
