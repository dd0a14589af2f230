"""Fixtures that connect the app to the live LinkedIn sandbox and sign members in."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.test import Client

from contactsapp.linkedin_auth import _client as cached_linkedin_client


@pytest.fixture
def linkedin(sandbox, settings):
    """Point the app at the live sandbox (freshly reset) and return the sandbox client."""
    settings.LINKEDIN_OIDC_DISCOVERY_URL = sandbox.discovery_url
    settings.LINKEDIN_API_BASE_URL = sandbox.url
    settings.LINKEDIN_TIMEOUT = 2.0
    settings.EXPORT_POLL_INTERVAL = 0.0
    settings.EXPORT_MAX_BACKOFF = 0.0
    # Tests start exports back to back; the spacing has tests of its own.
    settings.EXPORT_MIN_SPACING = 0.0
    # The sandbox may have restarted with new keys: start from a fresh OAuth client.
    cached_linkedin_client.cache_clear()
    yield sandbox
    cached_linkedin_client.cache_clear()


def start_sign_in(client: Client, next_url: str | None = None) -> str:
    """Begin signing in; return the sandbox authorization URL the app redirected to."""
    response = client.get("/auth/login/", {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def local_path(url: str) -> str:
    """Turn the callback URL the sandbox redirected to into a path for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in(client: Client, sandbox, member: str = "typical", next_url: str | None = None):
    """Sign `member` in through the real consent page; return the callback response."""
    callback = sandbox.consent(start_sign_in(client, next_url), member=member, action="allow")
    return client.get(local_path(callback))


@pytest.fixture
def member_client(linkedin, db) -> Client:
    """A test client signed in as the sandbox's typical member."""
    client = Client()
    response = sign_in(client, linkedin, "typical")
    assert response.status_code == 302, response.content[:500]
    return client


def wait_until(
    condition: Callable[[], object],
    *,
    timeout: float = 15.0,
    every: float = 0.1,
    message: str = "",
):
    """Call `condition` until it returns something truthy; return that, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcome = condition()
        if outcome:
            return outcome
        time.sleep(every)
    raise AssertionError(message or f"condition not met within {timeout} s")
