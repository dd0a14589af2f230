"""Fixtures shared by the whole suite; the LinkedIn sandbox runs as a real server for all of it."""

from __future__ import annotations

import pytest

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
