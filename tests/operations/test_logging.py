"""Secrets never reach a log or a page: the redaction filter, and a live sign-in and export
whose every log record and page is searched for the codes, tokens and client secret.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from contactsapp.models import LinkedInAccount
from exports.models import ExportTask
from operations.logging import RedactSecretsFilter, redact
from tests.fixtures_app import (
    EXPORT_SUFFIXES,
    wait_until,
)

LOGGERS = ["", "django", "django.server", "django.request", "authlib", "urllib3", "requests"]


def test_the_redaction_filter_guards_the_root_handler_and_redacts_error_reports():
    config = django_settings.LOGGING
    root_handlers = config["root"]["handlers"]
    assert any(
        "redact_secrets" in config["handlers"][name].get("filters", []) for name in root_handlers
    )
    assert config["filters"]["redact_secrets"]["()"] == "operations.logging.RedactSecretsFilter"
    guarded = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    ]
    assert guarded, "the configured root handler carries RedactSecretsFilter"

    with app_log_output() as output:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            "/auth/callback/?code=AUTHCODE123&state=STATE456",
            extra={"status_code": 500},
        )
        logging.getLogger("django.request").error(
            "Bad Gateway: %s", {"access_token": "TOKEN789", "Authorization": "Bearer TOKEN789"}
        )
    text = output.getvalue()
    assert "logger=django.request" in text
    for secret in ("AUTHCODE123", "STATE456", "TOKEN789"):
        assert secret not in text
    assert text.count("[redacted]") >= 3


@contextmanager
def app_log_output() -> Iterator[io.StringIO]:
    """Send what the app's own configured log handlers write into a buffer, for a while."""
    buffer = io.StringIO()
    handlers = {
        handler
        for name in LOGGERS
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler)
        and any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    }
    assert handlers, "the app's log handler is configured"
    streams = {handler: handler.setStream(buffer) for handler in handlers}
    try:
        yield buffer
    finally:
        for handler, stream in streams.items():
            handler.setStream(stream)


class LiveApp:
    """The app behind Django's development server handler, which logs every request line."""

    def __init__(self):
        self.server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
        self.server.set_app(WSGIHandler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class Browser:
    """A member's browser: real HTTP, cookies, CSRF tokens from the pages; keeps every page."""

    def __init__(self, app: LiveApp, sandbox):
        self.app, self.sandbox = app, sandbox
        self.http = requests.Session()
        self.pages: list[str] = []

    def get(self, path: str, **kwargs) -> requests.Response:
        url = path if path.startswith("http") else self.app.url + path
        response = self.http.get(url, allow_redirects=False, timeout=30, **kwargs)
        assert response.status_code < 500 or response.status_code == 502, response.text[:500]
        self.pages.append(response.text)
        return response

    def post(self, path: str) -> requests.Response:
        home = self.get("/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home).group(1)
        response = self.http.post(
            self.app.url + path,
            data={"csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text[:500]
        self.pages.append(response.text)
        return response

    def sign_in(self, next_url: str | None = None, *, expect: int = 302) -> str:
        """Sign in through the consent page; return the authorization code LinkedIn sent."""
        login = self.get("/auth/login/", params={"next": next_url} if next_url else {})
        callback = self.sandbox.consent(login.headers["Location"], member="typical")
        code = parse_qs(urlsplit(callback).query)["code"][0]
        assert self.get(callback).status_code == expect
        return code

    def poll(self, detail_url: str) -> str:
        return self.get(detail_url + "status/", headers={"HX-Request": "true"}).text


@pytest.fixture
def live_app(linkedin, transactional_db):
    app = LiveApp()
    yield app
    app.close()


def test_tokens_codes_and_the_client_secret_never_reach_logs_or_pages(
    live_app, linkedin, caplog, settings
):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    browser = Browser(live_app, linkedin)
    codes, tokens = [], []

    with app_log_output() as output:
        # Sign in, export through a LinkedIn error, a revoked token and a second sign-in.
        codes.append(browser.sign_in())
        tokens.append(LinkedInAccount.objects.get().access_token)
        detail_url = browser.post("/exports/").headers["Location"]
        linkedin.fault("export_status", status=500)
        assert "LinkedIn answered with an error (500)" in browser.poll(detail_url)
        linkedin.revoke("typical")
        assert "Sign in again to carry on" in wait_until(
            lambda: (lambda panel: panel if "Sign in again" in panel else None)(
                browser.poll(detail_url)
            )
        )
        codes.append(browser.sign_in(detail_url))
        tokens.append(LinkedInAccount.objects.get().access_token)
        wait_until(lambda: browser.poll(detail_url) and ExportTask.objects.get().is_finished)
        assert ExportTask.objects.get().status == ExportTask.Status.SUCCEEDED
        for suffix in EXPORT_SUFFIXES:
            browser.get(detail_url + suffix)
        # A sign-in that fails at the token exchange, with its code in the logged URL.
        linkedin.fault("token", status=500)
        codes.append(browser.sign_in(expect=502))

    secrets = [*codes, *tokens, settings.LINKEDIN_CLIENT_SECRET]
    assert all(len(secret) >= 8 for secret in secrets)
    assert len(set(tokens)) == 2

    text = output.getvalue()
    # The capture saw the server's request lines and the failed sign-in, redacted.
    assert re.search(r'logger=django\.server "GET /auth/callback/\?[^"]*code=\[redacted\]', text)
    assert "logger=django.request Bad Gateway: /auth/callback/" in text
    records = [(record.name, record.getMessage()) for record in caplog.records]
    assert any(name.startswith("urllib3") for name, _ in records)  # DEBUG was captured
    for secret in secrets:
        assert secret not in text
        for name, message in records:
            assert secret not in message, f"{name}: {message}"
    for page in browser.pages:
        for token in tokens:
            assert token not in page


@pytest.mark.parametrize(
    "line",
    [
        '"GET /auth/callback/?code=SECRETCODE&state=SECRETSTATE HTTP/1.1" 302 0',
        "Authorization: Bearer SECRETTOKEN",
        '{"access_token": "SECRETTOKEN", "id_token": "SECRETTOKEN"}',
        "client_secret=SECRETVALUE&grant_type=authorization_code",
    ],
)
def test_redact_removes_codes_and_tokens(line):
    cleaned = redact(line)
    assert "SECRET" not in cleaned
    assert "[redacted]" in cleaned
