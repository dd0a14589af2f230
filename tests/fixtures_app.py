"""The app's test fixtures and helpers, shared by every test module (none imports another's):
the app pointed at the live sandbox, signing in, starting an export and waiting for it, polling
as htmx does, and releasing threads together for races.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client

from contactsapp.linkedin_auth.sign_in import _client as cached_linkedin_client
from exports.models import ExportTask

# Every address of an export that shows or serves its contacts (the short download URLs too).
EXPORT_SUFFIXES = ["", "status/", "contacts.csv", "contacts.json"]


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


def in_language(client: Client, language: str) -> None:
    """Show the pages in `language` from now on, through the language switcher, as a member
    would choose it (the choice is saved on the account and wins over Accept-Language)."""
    response = client.post("/language/", {"language": language, "next": "/"})
    assert response.status_code == 302, response.content[:500]


def in_english(client: Client) -> None:
    """Show the pages in English from now on: a member whose LinkedIn locale is another
    language (the sandbox's `noperm`, French) gets that language, and a test that reads
    English text asks for English, as such a member would.
    """
    in_language(client, "en")


def signed_in(sandbox, member: str) -> Client:
    """A fresh test client signed in as `member`."""
    client = Client()
    assert sign_in(client, sandbox, member).status_code == 302
    return client


def clone(client: Client) -> Client:
    """Another client with the same session cookie: a second tab, or a second server."""
    twin = Client()
    twin.cookies = client.cookies
    return twin


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


def start_export(client: Client) -> str:
    """Press "Export my address book"; return the export's page."""
    response = client.post("/exports/")
    assert response.status_code == 302
    return response["Location"]


def finished(client: Client, detail_url: str) -> ExportTask:
    """Poll the status fragment as htmx would, until the export is no longer in progress."""

    def poll():
        client.get(detail_url + "status/", headers={"HX-Request": "true"})
        task = ExportTask.objects.get(public_id=detail_url.strip("/").split("/")[-1])
        return task if task.is_finished else None

    return wait_until(poll)


def ready_export(client: Client) -> ExportTask:
    """Start an export and wait for it; it must succeed."""
    task = finished(client, start_export(client))
    assert task.status == ExportTask.Status.SUCCEEDED
    return task


def poll(client: Client, detail_url: str) -> str:
    """Fetch the status fragment as htmx does; it must never be a server error."""
    response = client.get(detail_url + "status/", headers={"HX-Request": "true"})
    assert response.status_code in (200, 410), response.content[:500]
    return response.content.decode()


def run_together(count: int, action: Callable[[int], object]) -> list:
    """Run `action(i)` in `count` threads released at the same instant; return results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = action(index)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def shown_key(fragment: str) -> str:
    """The key a polling panel or row sends back with each poll (its hx-vals)."""
    match = re.search(r"""hx-vals='\{"shown": "([0-9a-f]+)"\}'""", fragment)
    assert match, "no key to poll with"
    return match.group(1)
