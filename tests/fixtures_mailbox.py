"""A LinkedIn sandbox with its mailbox on (its SMTP server on a free port), and the app's
e-mail settings pointed at it. Test modules import the fixtures they use."""

from __future__ import annotations

import pytest
import requests

from linkedin_sandbox.client import SandboxClient


@pytest.fixture(scope="module")
def sandbox_with_mailbox(tmp_path_factory):
    client = SandboxClient(
        env={
            "SANDBOX_SMTP_PORT": "0",
            # Members sign in through Django's test client, as with the session's sandbox.
            "SANDBOX_REDIRECT_URIS": "http://testserver/auth/callback/",
            "SANDBOX_TASK_SECONDS": "1",
        },
        log_path=tmp_path_factory.mktemp("sandbox_mailbox") / "sandbox.log",
    )
    client.start()
    try:
        yield client
    finally:
        client.stop()


@pytest.fixture
def mailbox(sandbox_with_mailbox, settings):
    """The sandbox's mailbox, emptied, with the app's e-mail settings pointing at it."""
    url = sandbox_with_mailbox.url
    smtp = requests.delete(f"{url}/_sandbox/mailbox", timeout=5).json()["smtp"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp["host"], smtp["port"]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "http://127.0.0.1:8000"
    return url


def mailbox_messages(url: str) -> list[dict]:
    """Every message the sandbox's mailbox holds, as its JSON API gives them."""
    return requests.get(f"{url}/_sandbox/mailbox", timeout=5).json()["messages"]
