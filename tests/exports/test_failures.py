"""Errors a member can act on, driven through the sandbox's fault knobs."""

from __future__ import annotations

import pytest
from django.utils import timezone

from contactsapp.models import LinkedInAccount
from exports.models import Contact, ExportTask
from tests.fixtures_app import (
    finished,
    local_path,
    poll,
    signed_in,
    start_export,
    start_sign_in,
    wait_until,
)

pytestmark = pytest.mark.django_db


def test_a_failed_linkedin_task_shows_why_and_a_retry_button(linkedin):
    client = signed_in(linkedin, "failing")
    detail_url = start_export(client)
    task = finished(client, detail_url)
    assert task.status == ExportTask.Status.FAILED
    page = client.get(detail_url).content.decode()
    assert "could not generate your address book" in page
    assert "Try again" in page
    assert 'action="/exports/"' in page
    assert "hx-trigger" not in poll(client, detail_url)


def test_missing_contacts_permission_says_so(linkedin):
    client = signed_in(linkedin, "noperm")
    detail_url = start_export(client)
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.FAILED
    assert "permission to read your contacts" in task.failure_reason
    assert "permission to read your contacts" in client.get(detail_url).content.decode()


def test_task_unknown_to_linkedin_fails_with_the_reason(member_client, linkedin):
    detail_url = start_export(member_client)
    linkedin.fault("export_status", status=404, times=1)
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.FAILED
    assert "no longer knows this export" in task.failure_reason


def test_revoked_token_asks_to_sign_in_again_and_the_export_carries_on(member_client, linkedin):
    detail_url = start_export(member_client)
    linkedin.revoke("typical")
    panel = poll(member_client, detail_url)
    assert "Sign in again to carry on" in panel
    assert "hx-trigger" not in panel  # nothing to poll for until the member is back
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.IN_PROGRESS and task.needs_sign_in

    authorize = start_sign_in(member_client, next_url=detail_url)
    callback = linkedin.consent(authorize, member="typical")
    response = member_client.get(local_path(callback))
    assert response["Location"] == detail_url
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    assert task.contact_count == len(linkedin.contacts("typical"))


def test_expired_token_sends_the_member_to_sign_in_before_starting(member_client, linkedin):
    account = LinkedInAccount.objects.get()
    account.token_expires_at = timezone.now()
    account.save()
    response = member_client.post("/exports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")
    assert not ExportTask.objects.exists()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_show_a_note_and_keep_retrying(member_client, linkedin, status):
    detail_url = start_export(member_client)
    linkedin.fault("export_status", status=status, times=2)
    panel = poll(member_client, detail_url)
    assert f"LinkedIn answered with an error ({status})" in panel
    assert "We will try again" in panel
    assert 'hx-trigger="every 2s"' in panel
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED


def test_throttling_honours_retry_after(member_client, linkedin, settings):
    detail_url = start_export(member_client)
    linkedin.fault("export_status", status=429, headers={"Retry-After": "120"}, times=1)
    before = timezone.now()
    panel = poll(member_client, detail_url)
    assert "throttling" in panel
    task = ExportTask.objects.get()
    assert (task.next_check_at - before).total_seconds() >= 119
    polls = linkedin.stats()["requests"].get("export_status", 0)
    poll(member_client, detail_url)
    assert linkedin.stats()["requests"].get("export_status", 0) == polls  # waited


def test_start_failure_is_retried_by_polling(member_client, linkedin):
    linkedin.fault("export_start", status=503, times=1)
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    assert task.linkedin_task_id == ""
    assert "LinkedIn answered with an error (503)" in task.note
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED


def test_gives_up_after_the_deadline_with_the_last_reason(member_client, linkedin, settings):
    detail_url = start_export(member_client)
    linkedin.fault("export_status", status=503)
    poll(member_client, detail_url)
    settings.EXPORT_TIMEOUT = 0
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.FAILED
    assert task.failure_reason.startswith("Gave up waiting.")
    assert "(503)" in task.failure_reason


@pytest.mark.parametrize(
    "mode",
    [
        "malformed_json",
        "truncated",
        "contacts_not_list",
        "contact_not_object",
        "expires_missing",
        "expires_not_number",
        "unknown_status",
    ],
)
def test_garbage_results_store_nothing_and_are_retried(member_client, linkedin, mode):
    linkedin.set_knobs(result_mode=mode)
    detail_url = start_export(member_client)

    def errored():
        poll(member_client, detail_url)
        return ExportTask.objects.get().consecutive_errors >= 1

    wait_until(errored)
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.IN_PROGRESS
    assert task.note
    assert not Contact.objects.exists()
    linkedin.set_knobs(result_mode="normal")
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    assert Contact.objects.count() == len(linkedin.contacts("typical"))


def test_a_huge_result_is_refused_with_a_clear_reason(member_client, linkedin, settings):
    settings.LINKEDIN_MAX_RESPONSE_BYTES = 1024 * 1024
    linkedin.set_knobs(result_mode="huge", huge_bytes=8 * 1024 * 1024)
    task = finished(member_client, start_export(member_client))
    assert task.status == ExportTask.Status.FAILED
    assert "more than 1 MB" in task.failure_reason
    assert not Contact.objects.exists()
