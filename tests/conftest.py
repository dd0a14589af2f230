"""Fixtures shared by the whole suite; the LinkedIn sandbox runs as a real server for all of it."""

from __future__ import annotations

import pytest
from django.conf import settings

from linkedin_sandbox.client import SandboxClient

# The app's fixtures (``linkedin``, ``member_client``), which build on the sandbox ones below.
pytest_plugins = ["tests.fixtures_app"]

# Redirect URIs the sandbox accepts: Django's test client host, and live servers on any port.
TEST_REDIRECT_URIS = ",".join(
    [
        "http://testserver/auth/callback/",
        "http://127.0.0.1:*/auth/callback/",
        "http://localhost:*/auth/callback/",
    ]
)


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "only_on(vendor): the test asserts what holds on that database only ('sqlite' or "
        "'postgresql'); on the other it is deselected, not skipped. Each has a twin for the "
        "other database asserting what holds there.",
    )


def _vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "sqlite" if engine.endswith("sqlite3") else engine.rsplit(".", 1)[-1]


def pytest_collection_modifyitems(config, items) -> None:
    """Leave out the tests written for the other database (see the `only_on` marker)."""
    vendor = _vendor()
    kept, other = [], []
    for item in items:
        marker = item.get_closest_marker("only_on")
        (other if marker and marker.args[0] != vendor else kept).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = kept


@pytest.fixture(scope="session")
def linkedin_sandbox(tmp_path_factory) -> SandboxClient:
    """Start the sandbox once for the session (on a free port) and stop it at the end."""
    client = SandboxClient(
        env={
            "SANDBOX_REDIRECT_URIS": TEST_REDIRECT_URIS,
            # Exports finish in a second, so tests see IN_PROGRESS and then SUCCEEDED quickly.
            "SANDBOX_TASK_SECONDS": "1",
        },
        log_path=tmp_path_factory.mktemp("linkedin_sandbox") / "sandbox.log",
    )
    client.start()
    try:
        yield client
    finally:
        client.stop()


@pytest.fixture
def sandbox(linkedin_sandbox: SandboxClient) -> SandboxClient:
    """The sandbox, reset to its start-up state (and started again if a test stopped it)."""
    linkedin_sandbox.start()
    linkedin_sandbox.reset()
    return linkedin_sandbox


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """Each test starts in the default language: a request in another language leaves it
    active in the thread that served it (Django's LocaleMiddleware activates and never
    deactivates), which would word the next test's direct calls in that language."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
