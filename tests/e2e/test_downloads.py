"""Downloads as a person meets them in a real browser: the download menu and every format,
"download what I see", who is listed twice, and what changed since the previous export.

Screenshots at 1280 and 390 px wide go to artifacts/screenshots/ (tests/e2e/conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import vobject
from django.utils import timezone
from playwright.sync_api import Page, expect

from exports import services
from exports.departures import NAMES_GONE
from exports.models import ExportTask
from tests.e2e.conftest import App, Browser
from tests.e2e.steps import cells, sign_in, start_export

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "corp.example"
PHONE_WIDTH = {"width": 390, "height": 844}
DESKTOP_WIDTH = {"width": 1280, "height": 860}


def export_ready(page: Page) -> None:
    """Start an export from home and wait for its contacts."""
    page.goto("/")
    start_export(page)
    expect(page.get_by_role("heading", name="Your contacts are ready")).to_be_visible(
        timeout=20_000
    )


def open_menu(page: Page):
    menu = page.get_by_test_id("download-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    expect(menu.locator("ul.download-formats")).to_be_visible()
    return menu


def scroll_to(element) -> None:
    """Bring `element` to the top of the window, for a screenshot of the window."""
    element.evaluate("element => element.scrollIntoView({block: 'start'})")


def download(page: Page, link) -> tuple[str, bytes]:
    with page.expect_download() as info:
        link.click()
    file = info.value
    with open(file.path(), "rb") as handle:
        return file.suggested_filename, handle.read()


def test_the_download_menu_explains_and_downloads_every_format(browser: Browser, app: App):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=0)
    expected = app.sandbox.contacts("typical")
    sign_in(ui, app, "typical")
    export_ready(page)
    menu = open_menu(page)
    formats = menu.locator("ul.download-formats > li")
    expect(formats).to_have_count(6)
    expect(menu).to_contain_text("For your phone, Apple Contacts and Google Contacts")
    expect(menu).to_contain_text("Import at contacts.google.com")
    expect(menu).to_contain_text("For Outlook and Microsoft 365")
    expect(menu).to_contain_text("For Excel, Numbers, LibreOffice and other spreadsheets")
    expect(menu).to_contain_text("Every field of every contact")
    scroll_to(menu)
    ui.screenshot("menu", full_page=False)

    files = {}
    for key in ("vcard", "vcard-merged", "google", "outlook", "excel", "csv", "json"):
        files[key] = download(page, menu.locator(f'a[data-format="{key}"]'))
    names = {key: name for key, (name, _) in files.items()}
    assert names["vcard"].endswith(".vcf") and names["vcard-merged"].endswith("-merged.vcf")
    assert names["google"].endswith("-google.csv") and names["outlook"].endswith("-outlook.csv")
    assert names["excel"].endswith("-excel.csv") and names["json"].endswith(".json")
    # A contact with no name, e-mail or phone gets no card (it would be a blank entry).
    carded = [contact for contact in expected if any(cells(contact))]
    cards = list(vobject.readComponents(files["vcard"][1].decode("utf-8")))
    assert len(cards) == len(carded)
    merged = list(vobject.readComponents(files["vcard-merged"][1].decode("utf-8")))
    assert len(merged) < len(cards)  # "Listed Twice" is one person
    google = list(csv.reader(io.StringIO(files["google"][1].decode(), newline="")))
    assert google[0][:3] == ["First Name", "Middle Name", "Last Name"]
    assert len(google) == len(carded) + 1
    outlook = list(csv.reader(io.StringIO(files["outlook"][1].decode(), newline="")))
    assert "E-mail Address" in outlook[0] and "Mobile Phone" in outlook[0]
    assert files["excel"][1].startswith(b"\xef\xbb\xbf")
    assert json.loads(files["json"][1]) == expected

    # "Download what I see": after a search, the menu offers just those contacts.
    page.get_by_label("Search by name, email or phone").fill(SEARCH)
    scope = page.locator("#download-scope")
    expect(scope).to_contain_text(f"matching “{SEARCH}”")
    shown = int(re.search(r"(\d+) of", page.get_by_test_id("match-count").inner_text()).group(1))
    expect(scope).to_contain_text(f"only the {shown} contacts")
    scroll_to(menu)
    ui.screenshot("menu-search", full_page=False)
    _, searched = download(page, scope.locator('a[data-format="vcard-search"]'))
    assert len(list(vobject.readComponents(searched.decode("utf-8")))) == shown

    page.set_viewport_size(PHONE_WIDTH)
    scroll_to(menu)
    ui.screenshot("menu-phone", full_page=False)
    scroll_to(scope)
    ui.screenshot("menu-search-phone", full_page=False)
    page.set_viewport_size(DESKTOP_WIDTH)


def test_contacts_listed_twice_are_counted_and_shown_together(browser: Browser, app: App):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=0)
    sign_in(ui, app, "typical")
    export_ready(page)
    note = page.get_by_test_id("duplicates-note")
    proportion = r"\d+ (people are|person is) listed more than once: \d+ of your \d+ contacts"
    expect(note).to_contain_text(re.compile(proportion))
    ui.screenshot("duplicates-note", full_page=False)
    note.get_by_role("link", name="Show only them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Listed more than once")
    expect(page.get_by_test_id("duplicates-count")).to_contain_text(re.compile(proportion))
    groups = page.locator("tbody.duplicate-group")
    assert groups.count() >= 1
    listed_twice = groups.filter(has_text="Listed Twice")
    expect(listed_twice.locator("tr.duplicate-reason")).to_contain_text("One person: the same")
    # The San Francisco office's line, also sent as "(415) 555-0100" under another name:
    # a shared phone, said so, not one person.
    office = groups.filter(has_text="San Francisco Office")
    expect(office).to_have_class(re.compile("shared-phone"))
    expect(office).to_contain_text("Parenthesised Number")
    expect(office.locator("tr.duplicate-reason")).to_contain_text("Not the same person")
    ui.screenshot("duplicates", full_page=True)
    page.set_viewport_size(PHONE_WIDTH)
    ui.screenshot("duplicates-phone", full_page=True)
    page.set_viewport_size(DESKTOP_WIDTH)
    page.get_by_role("link", name="← All contacts").click()
    expect(page.get_by_role("heading", name="Your contacts are ready")).to_be_visible()


def purge_the_first_export() -> None:
    first = ExportTask.objects.order_by("requested_at").first()
    ExportTask.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    services.exports_purge_expired()


def test_the_second_export_says_what_changed(browser: Browser, app: App):
    ui, page = browser, browser.page
    app.sandbox.set_knobs(task_seconds=0)
    sign_in(ui, app, "changing")
    export_ready(page)
    expect(page.get_by_test_id("changes")).to_have_count(0)  # nothing to compare with yet
    export_ready(page)
    changes = page.get_by_test_id("changes")
    expect(changes).to_contain_text("Since your previous export")
    expect(page.get_by_test_id("changes-new")).to_have_text("3")
    expect(page.get_by_test_id("changes-removed")).to_have_text("2")
    expect(changes.locator("ins").first).to_be_visible()
    # Who left, by name while the first export's contacts are stored.
    departed = page.get_by_test_id("changes-departed")
    expect(departed).to_contain_text("2 contacts are no longer there:")
    left = departed.locator("li")
    expect(left).to_have_count(2)
    left_names = [text.split("\n")[0] for text in left.all_inner_texts()]
    assert all(name.strip() for name in left_names)
    scroll_to(changes)
    ui.screenshot("changes", full_page=False)
    link = changes.get_by_role("link", name=re.compile("new and changed contacts and who left"))
    name, body = download(page, link)
    assert name.endswith("-changes.csv")
    rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
    kinds = [row[0] for row in rows[1:]]
    assert rows[0][0] == "Change" and kinds.count("new") == 3 and kinds.count("left") == 2
    assert all(any(row[1:4]) for row in rows[1:])  # no blank row
    page.set_viewport_size(PHONE_WIDTH)
    scroll_to(changes)
    ui.screenshot("changes-phone", full_page=False)
    page.set_viewport_size(DESKTOP_WIDTH)

    # The first export purged by retention: the names are said to be gone, none shown blank.
    # (The ORM outside Playwright's event loop, which Django refuses to run it in.)
    with ThreadPoolExecutor(1) as thread:
        thread.submit(purge_the_first_export).result()
    page.reload()
    departed = page.get_by_test_id("changes-departed")
    expect(departed).to_have_text(f"2 contacts are no longer there. {NAMES_GONE}")
    expect(departed.locator("li")).to_have_count(0)
    expect(page.get_by_test_id("changes-removed")).to_have_text("2")
    for left_name in left_names:
        expect(changes).not_to_contain_text(left_name)
    expect(changes.get_by_role("link", name=re.compile("who left"))).to_have_count(0)
    scroll_to(changes)
    ui.screenshot("changes-purged", full_page=False)
    page.set_viewport_size(PHONE_WIDTH)
    scroll_to(changes)
    ui.screenshot("changes-purged-phone", full_page=False)
    page.set_viewport_size(DESKTOP_WIDTH)
