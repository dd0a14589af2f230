"""Browser fixtures: Debian's Chromium, driven by Playwright, against a live app server.

The live server (pytest-django's ``live_server``) runs the app in a thread of this process,
so the ``settings`` fixture reaches it; the LinkedIn sandbox runs as its own process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from linkedin_sandbox.client import SandboxClient

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# The two widths every state is looked at: a laptop, and a phone (an iPhone 12-15's 390 px).
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Chromium's executable; the browser tests skip without it, except on CI."""
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    message = (
        f"The browser tests need Chromium at {CHROMIUM}: install it with "
        "`apt-get install chromium` (Debian/Ubuntu), or point CHROMIUM_PATH at it."
    )
    if os.environ.get("CI"):
        pytest.fail(f"{message} CI is set, so they must run.", pytrace=False)
    pytest.skip(message)


@dataclass
class App:
    """The live app and the sandbox it talks to."""

    url: str
    sandbox: SandboxClient


@pytest.fixture
def app(linkedin, settings, transactional_db, request) -> App:
    """The live app, pointed at the freshly reset sandbox."""
    # The live server speaks plain HTTP, standing in for the TLS proxy of a deployment.
    # SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the (session-wide) live server
    # starts: so this is set before the live server is first asked for, below.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    # Static files come straight from the app's folders (nothing is collected in tests).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Member pictures come from the sandbox, as `make run` allows with CSP_EXTRA_IMG_SRC.
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"]}
    directives["img-src"] = [*directives["img-src"], linkedin.url]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    live_server = request.getfixturevalue("live_server")
    return App(url=live_server.url, sandbox=linkedin)


@dataclass
class Browser:
    """A page in a fresh browser profile, with screenshots and the problems Chromium saw."""

    page: Page
    name: str
    problems: list[str] = field(default_factory=list)
    shots: int = 0
    # Console errors a test expects (e.g. the 410 of an expired address book), by substring.
    expected_console_errors: list[str] = field(default_factory=list)
    # What the checks of each state found (see checks.look); the test fails on any at its end.
    findings: list[str] = field(default_factory=list)

    def screenshot(self, step: str, *, full_page: bool = True) -> Path:
        self.shots += 1
        path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{step}.png"
        self.page.screenshot(path=path, full_page=full_page)
        return path

    def expect_console_error(self, text: str) -> None:
        self.expected_console_errors.append(text)

    def console_error(self, text: str) -> None:
        if "Content Security Policy" in text:
            self.problems.append(f"CSP: {text}")
        elif not any(expected in text for expected in self.expected_console_errors):
            self.problems.append(f"console error: {text}")


@pytest.fixture
def viewport() -> dict[str, int]:
    """The browser's window; parametrize ``viewport`` with ``PHONE`` for 390 px."""
    return DESKTOP


@pytest.fixture
def browser(chromium_path, app, viewport, request) -> Iterator[Browser]:
    """A Chromium page on the live app; fails the test on any CSP violation, console error
    (unless the test said to expect it) or script error.

    It depends on ``app`` (and so on the database), so Playwright's event loop is stopped
    before pytest-django empties the database, which Django refuses to do inside a loop.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w-]+", "-", re.sub(r"^test_", "", request.node.name)).strip("-")
    for old in SCREENSHOTS.glob(f"{name}-*.png"):
        old.unlink()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        context = chromium.new_context(
            base_url=app.url,
            viewport=viewport,
            locale="en-US",
            timezone_id="UTC",
            accept_downloads=True,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        session = Browser(page=page, name=name)

        def on_console(message) -> None:
            if message.type == "error":
                session.console_error(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: session.problems.append(f"script error: {error}"))
        try:
            yield session
        finally:
            context.close()
            chromium.close()
    problems = session.findings + session.problems
    assert not problems, "\n".join(problems)
