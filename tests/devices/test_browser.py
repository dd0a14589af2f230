"""'Connect a phone or app' in a real browser, at 1280 and 390 px: axe-clean, nothing wider
than the window, the password shown once, its QR code readable, revoking.
"""

from __future__ import annotations

import plistlib
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from devices.models import DeviceLogin, DevicePassword
from devices.passwords import device_password_matches
from tests.e2e.checks import export_url_pattern, look
from tests.e2e.conftest import DESKTOP, PHONE, App, Browser

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"]),
]

# The longest name a device password can have, in words that wrap.
T = TypeVar("T")

LONG_NAME = ("Ada's work iPhone in the blue case with the cracked corner " * 3)[:100].strip()


def sign_in(page: Page, app: App, member: str) -> str:
    members = app.sandbox.members()
    members = members.values() if isinstance(members, dict) else members
    name = next(entry["name"] for entry in members if entry["key"] == member)
    page.goto("/")
    page.get_by_role("main").get_by_role("button", name="Sign in with LinkedIn").click()
    page.wait_for_url(f"{app.sandbox.url}/oauth/v2/authorization**")
    page.get_by_role("radio", name=re.compile(re.escape(name))).check()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{app.url}/")
    return name


def off_the_event_loop(read: Callable[[], T]) -> T:
    """Run an ORM read in a thread: Django refuses queries beside Playwright's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(read).result()


def stored_username() -> str:
    return off_the_event_loop(lambda: DeviceLogin.objects.get().username)


def stored_hashes() -> list[str]:
    return off_the_event_loop(
        lambda: list(DevicePassword.objects.values_list("password", flat=True))
    )


def qr_text(ui: Browser, tmp_path: Path) -> list[str]:
    """Decode the QR code as the browser drew it."""
    shot = tmp_path / "qr.png"
    ui.page.get_by_test_id("device-qr").screenshot(path=shot)
    return [result.text for result in zxingcpp.read_barcodes(Image.open(shot))]


def test_a_typical_member_connects_a_phone(browser: Browser, app: App, tmp_path):
    ui, page = browser, browser.page
    sign_in(page, app, "typical")
    connect = page.get_by_test_id("connect-device")
    expect(connect).to_be_visible()
    look(ui, "home")
    connect.get_by_role("button", name="Connect a phone or app").click()
    page.wait_for_url(re.compile(r"/devices/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connect a phone or app")
    expect(page.get_by_test_id("dav-url")).to_have_text(f"{app.url}/dav/")
    username = stored_username()
    expect(page.get_by_test_id("device-username")).to_have_text(username)
    expect(page.get_by_test_id("read-only-note")).to_contain_text("stay on the phone")
    expect(page.get_by_test_id("old-book-note")).to_contain_text("your phone keeps the contacts")
    look(ui, "connect-empty")

    form = page.get_by_test_id("password-form")
    form.get_by_label("Name it after the phone or app").fill(LONG_NAME)
    form.get_by_role("button", name="Create a password").click()
    expect(page.get_by_test_id("device-created")).to_be_visible()
    password = page.get_by_test_id("device-password").inner_text()
    assert re.fullmatch(r"[2-9a-z]{4}(-[2-9a-z]{4}){4}", password), password
    (stored,) = stored_hashes()
    assert device_password_matches(password, stored)
    host_port = app.url.removeprefix("http://")
    assert qr_text(ui, tmp_path) == [f"carddav://{username}:{password}@{host_port}/dav/"]
    look(ui, "password-shown-once")

    page.get_by_role("button", name="Done").click()
    page.wait_for_url(re.compile(r"/devices/$"))
    rows = page.get_by_test_id("device-password-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(LONG_NAME)
    expect(rows.first).to_contain_text("never used yet")
    assert password not in page.content()
    look(ui, "connect-with-a-password")

    page.reload()  # the password is not in the page, however it is loaded again
    assert password not in page.content()

    rows.first.get_by_role("button", name=f"Revoke {LONG_NAME}").click()
    page.wait_for_url(re.compile(r"/devices/$"))
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    expect(page.get_by_test_id("device-password-row")).to_have_count(0)
    assert stored_hashes() == []
    look(ui, "revoked")


def test_the_changing_member_downloads_a_profile_from_the_export_page(browser: Browser, app: App):
    ui, page = browser, browser.page
    sign_in(page, app, "changing")
    page.get_by_role("button", name="Export my address book").click()
    page.wait_for_url(export_url_pattern())
    link = page.get_by_test_id("connect-device")
    expect(link).to_be_visible(timeout=30_000)
    look(ui, "export-page")
    link.get_by_role("link", name="connect a phone or app").click()
    page.wait_for_url(re.compile(r"/devices/$"))

    form = page.get_by_test_id("profile-form")
    expect(form.get_by_role("textbox")).to_have_value("iPhone or Mac")
    with page.expect_download() as info:
        form.get_by_role("button", name="Download the profile").click()
    download = info.value
    assert download.suggested_filename.endswith(".mobileconfig")
    profile = plistlib.loads(Path(download.path()).read_bytes())
    (account,) = profile["PayloadContent"]
    assert account["PayloadType"] == "com.apple.carddav.account"
    assert account["CardDAVUsername"] == stored_username()
    assert account["CardDAVUsername"].startswith("mary-")
    (stored,) = stored_hashes()
    assert device_password_matches(account["CardDAVPassword"], stored)

    page.reload()
    rows = page.get_by_test_id("device-password-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("iPhone or Mac")
    look(ui, "connect-after-profile")
