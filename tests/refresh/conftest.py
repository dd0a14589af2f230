"""Fixtures of the refresh tests: members signed in through the live sandbox; the worker's
steps driven at chosen times are in `tests.refresh.steps`.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.fixtures_app import sign_in

# The sandbox with its mailbox on, for the `make run` journey.
from tests.fixtures_mailbox import mailbox, sandbox_with_mailbox  # noqa: F401

# Real processes on a PostgreSQL cluster of their own, for the crash test.
from tests.production.conftest import cluster, database, processes  # noqa: F401


@pytest.fixture
def refresh_settings(settings):
    """The schedule's settings at their defaults, the budget out of the way, e-mail kept."""
    settings.AUTO_REFRESH_INTERVAL = 24 * 3600
    settings.AUTO_REFRESH_MARGIN = 2 * 3600
    settings.AUTO_REFRESH_JITTER = 1800
    settings.LINKEDIN_DAILY_CALL_BUDGET = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def sign_in_member(linkedin, db, refresh_settings):
    """Sign a sandbox member in; return their test client and user."""
    linkedin.set_knobs(task_seconds=0)

    def signed_in(member: str = "changing") -> tuple[Client, object]:
        client = Client()
        response = sign_in(client, linkedin, member)
        assert response.status_code == 302, response.content[:500]
        user = get_user_model().objects.get(linkedin_account__sub=linkedin.member(member)["sub"])
        return client, user

    return signed_in
