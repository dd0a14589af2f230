"""The issue's "done when", as `make run` shows it: the `changing` member turns automatic
refresh on from the home page and, without another click, the worker's own rounds make a
new export with its changes, and the digest lands in the sandbox's mailbox.

The due time is shortened by the settings, as `make run` shortens it; the clock is real.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from exports import worker
from exports.models import ExportTask
from tests.fixtures_app import sign_in, wait_until
from tests.fixtures_mailbox import mailbox_messages

pytestmark = pytest.mark.django_db

DIGEST_SUBJECT = "Your LinkedIn address book:"


@pytest.fixture
def sandbox(sandbox_with_mailbox):
    """The sandbox with its mailbox on, reset: the `linkedin` fixture points the app at it."""
    sandbox_with_mailbox.start()
    sandbox_with_mailbox.reset()
    return sandbox_with_mailbox


def test_turned_on_the_changing_member_gets_a_new_export_its_changes_and_the_digest(
    linkedin, mailbox, settings
):
    # Past the refresh's follow-up of an export (5 s), so the digest comes before a third.
    settings.AUTO_REFRESH_INTERVAL = 8
    settings.AUTO_REFRESH_JITTER = 0
    settings.LINKEDIN_DAILY_CALL_BUDGET = 0
    settings.EXPORT_POLL_INTERVAL = 0.5
    browser = Client()
    assert sign_in(browser, linkedin, "changing").status_code == 302
    user = get_user_model().objects.get(linkedin_account__sub=linkedin.member("changing")["sub"])
    assert "Turn it on" in browser.get("/").content.decode()
    turned_on = browser.post("/refresh/", {"enabled": "1", "next": "/"})
    assert turned_on.status_code == 302 and turned_on["Location"] == "/"

    # From here on only the worker: its step, round after round, as `poll_exports --loop`.
    def digest_delivered():
        worker.poll_exports_step(threading.Event())
        subjects = {m["subject"]: m for m in mailbox_messages(mailbox)}
        return [m for subject, m in subjects.items() if subject.startswith(DIGEST_SUBJECT)]

    [digest] = wait_until(digest_delivered, timeout=60, every=0.2)
    first, second = ExportTask.objects.filter(owner=user).order_by("requested_at")
    assert first.status == second.status == ExportTask.Status.SUCCEEDED
    comparison = second.comparison
    assert comparison.previous_id == first.pk and comparison.has_changes
    assert digest["rcpt_tos"] == [linkedin.member("changing")["email"]]
    changes_path = f"/exports/{second.public_id}/"
    assert f"{changes_path}#changes-heading" in digest["text"]
    subjects = [message["subject"] for message in mailbox_messages(mailbox)]
    assert "Your address book now keeps itself current" in subjects  # the confirmation

    # What the member finds when they come back: the changes, and the panel's last refresh.
    page = browser.get(changes_path).content.decode()
    assert 'id="changes-heading"' in page
    home = browser.get("/").content.decode()
    assert "Succeeded" in home and changes_path in home
