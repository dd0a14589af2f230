"""Steps every browser test takes: sign a demo member in, start an export, what a row shows."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.e2e.checks import export_url_pattern
from tests.e2e.conftest import App, Browser


def member_name(app: App, key: str) -> str:
    members = app.sandbox.members()
    members = members.values() if isinstance(members, dict) else members
    return next(member["name"] for member in members if member["key"] == key)


def open_consent_page(page: Page, app: App) -> None:
    page.goto("/")
    page.get_by_role("main").get_by_role("button", name="Sign in with LinkedIn").click()
    page.wait_for_url(f"{app.sandbox.url}/oauth/v2/authorization**")


def choose_language(page: Page, language: str) -> None:
    """Pick `language` with the switcher in the footer (it submits itself) and wait for it."""
    if page.locator("html").get_attribute("lang") == language:
        return
    with page.expect_navigation():
        page.locator("[data-language-switcher] select").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)


def sign_in(
    ui: Browser,
    app: App,
    member: str,
    *,
    on_consent: Callable[[], object] | None = None,
    language: str = "en",
) -> str:
    """Sign `member` in from the landing page through the consent page; return their name.

    `on_consent` runs while the consent page is shown (a screenshot, or the page's checks).
    The pages are then shown in `language`: a member whose LinkedIn locale is another one
    (the sandbox's `noperm`, French) gets theirs at sign-in, and picks this one.
    """
    name = member_name(app, member)
    page = ui.page
    open_consent_page(page, app)
    page.get_by_role("radio", name=re.compile(re.escape(name))).check()
    if on_consent:
        on_consent()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{app.url}/")
    choose_language(page, language)
    expect(page.get_by_test_id("member-name")).to_have_text(name)
    if language == "en":
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    return name


BRAND = "Address Book for LinkedIn"


def go_home(page: Page) -> None:
    page.get_by_role("link", name=BRAND).click()
    page.wait_for_url(re.compile(r"/$"))


def start_export(page: Page) -> None:
    page.get_by_role("button", name="Export my address book").click()
    page.wait_for_url(export_url_pattern())


def cells(contact: dict) -> list[str]:
    """The contact as the app stores it: name, email and phone, surrounding spaces removed."""
    phone = contact.get("phoneNumber")
    phone = phone.get("number") if isinstance(phone, dict) else phone

    def text(value) -> str:
        return "" if value is None or isinstance(value, dict | list) else str(value).strip()

    return [text(contact.get("name")), text(contact.get("emailAddress")), text(phone)]
