"""Faults from LinkedIn at every step (sign-in, start, status, result), driven through the live
sandbox's knobs and faults, and the errors a member can act on (a failed task, a revoked or
expired token, throttling, the deadline).

Each test checks the same four things: the member reads a message they can act on, no page
answers 500, the export ends in (or stays in) a state that explains itself, and the database
holds either the member's whole address book or none of it.
"""

from __future__ import annotations

import json
import time
import tracemalloc

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

MB = 1024 * 1024


def whole_or_nothing(task: ExportTask, book: list[dict]) -> None:
    """The database holds the member's whole address book, in order, or none of it."""
    stored = list(
        Contact.objects.filter(task=task).order_by("position").values_list("raw", flat=True)
    )
    if task.status == ExportTask.Status.SUCCEEDED:
        assert stored == book
        assert task.contact_count == len(book)
    else:
        assert stored == []


def succeeded_body(task_id: str, contacts: list, expires_at_ms) -> dict:
    """A task document in LinkedIn's shape, for faults that replace the real answer."""
    return {
        "id": task_id,
        "status": "SUCCEEDED",
        "result~": {"contacts": contacts, "expiresAt": expires_at_ms, "id": 1},
    }


def in_an_hour_ms() -> int:
    return int((time.time() + 3600) * 1000)


def retry_later(settings) -> None:
    """Space the checks out as in production, so a page shows the note before the retry."""
    settings.EXPORT_POLL_INTERVAL = 30.0
    settings.EXPORT_MAX_BACKOFF = 60.0


def retry_now(settings) -> None:
    """Back to the tests' pace, with every export due for a check at once."""
    settings.EXPORT_POLL_INTERVAL = 0.0
    settings.EXPORT_MAX_BACKOFF = 0.0
    ExportTask.objects.update(next_check_at=timezone.now())


# --- signing in: discovery, token exchange, ID token keys, userinfo -----------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503},
        {"status": 200, "body": "<html>Service Unavailable</html>"},
        {"status": 200, "body": ["not", "a", "discovery", "document"]},
        {"status": None, "delay": 4.0},
    ],
    ids=["503", "not-json", "wrong-shape", "timeout"],
)
def test_a_broken_discovery_document_at_login_shows_a_friendly_page(linkedin, client, fault):
    linkedin.fault("discovery", **fault)
    response = client.get("/auth/login/")
    assert response.status_code == 502
    page = response.content.decode()
    assert "could not reach LinkedIn" in page
    assert "Try signing in again" in page


@pytest.mark.parametrize(
    ("endpoint", "fault"),
    [
        ("token", {"status": 429}),
        ("token", {"status": 503}),
        ("token", {"status": 200, "body": "<html>gateway</html>"}),
        ("token", {"status": 200, "body": ["not", "a", "token"]}),
        ("token", {"status": 200, "body": '{"access_token": "abc", "token_type": "Bea'}),
        ("token", {"status": 200, "body": {"access_token": "abc", "token_type": "Bearer"}}),
        ("jwks", {"status": 500}),
        ("jwks", {"status": 200, "body": {"keys": []}}),
        ("userinfo", {"status": 401}),
        ("userinfo", {"status": 429}),
        ("userinfo", {"status": 503}),
        ("userinfo", {"status": 200, "body": "not json"}),
        ("userinfo", {"status": 200, "body": ["not", "a", "profile"]}),
        ("userinfo", {"status": 200, "body": "null"}),
        ("userinfo", {"status": 200, "body": {"sub": "someone-else", "name": "Mallory"}}),
    ],
    ids=[
        "token-429",
        "token-503",
        "token-not-json",
        "token-json-array",
        "token-truncated",
        "token-without-id-token",
        "jwks-500",
        "jwks-no-keys",
        "userinfo-401",
        "userinfo-429",
        "userinfo-503",
        "userinfo-not-json",
        "userinfo-json-array",
        "userinfo-null",
        "userinfo-another-member",
    ],
)
def test_a_broken_answer_while_signing_in_shows_a_friendly_page_and_signs_nobody_in(
    linkedin, client, endpoint, fault
):
    callback = linkedin.consent(start_sign_in(client), member="typical")
    linkedin.fault(endpoint, **fault)
    response = client.get(local_path(callback))
    assert response.status_code == 502
    page = response.content.decode()
    assert "Signing in with LinkedIn did not work" in page
    assert "Try signing in again" in page
    assert "_auth_user_id" not in client.session
    assert not LinkedInAccount.objects.exists()


# --- starting the export ------------------------------------------------------------------


def test_linkedin_refusing_connections_at_start_keeps_the_export_waiting_until_it_is_back(
    member_client, linkedin
):
    linkedin.stop()
    try:
        detail_url = start_export(member_client)
        page = member_client.get(detail_url).content.decode()
        task = ExportTask.objects.get()
        assert task.status == ExportTask.Status.IN_PROGRESS
        assert task.linkedin_task_id == ""
        assert "We could not reach LinkedIn" in page
        assert 'hx-trigger="every 2s"' in page
    finally:
        linkedin.start()
    # The restarted sandbox has forgotten every token, as LinkedIn forgets revoked ones: the
    # member is asked to sign in again, and the export carries on from there.
    assert "Sign in again to carry on" in poll(member_client, detail_url)
    callback = linkedin.consent(start_sign_in(member_client, next_url=detail_url))
    assert member_client.get(local_path(callback))["Location"] == detail_url
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(task, linkedin.contacts("typical"))


def test_a_slow_start_is_abandoned_with_a_note_and_retried(member_client, linkedin, settings):
    retry_later(settings)
    linkedin.fault("export_start", status=None, delay=4.0)  # LINKEDIN_TIMEOUT is 2 s here
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    assert task.linkedin_task_id == ""
    assert "LinkedIn did not answer in time" in task.note
    assert "did not answer in time" in member_client.get(detail_url).content.decode()
    retry_now(settings)
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(task, linkedin.contacts("typical"))


@pytest.mark.parametrize("status", [500, 502])
def test_a_server_error_at_start_is_shown_and_retried(member_client, linkedin, settings, status):
    retry_later(settings)
    linkedin.fault("export_start", status=status)
    detail_url = start_export(member_client)
    page = member_client.get(detail_url).content.decode()
    assert f"LinkedIn answered with an error ({status}). We will try again in 30 s." in page
    assert ExportTask.objects.get().linkedin_task_id == ""
    retry_now(settings)
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(task, linkedin.contacts("typical"))


@pytest.mark.parametrize("endpoint", ["export_start", "export_status"])
def test_throttling_without_retry_after_backs_off_by_the_poll_interval(
    member_client, linkedin, settings, endpoint
):
    settings.EXPORT_POLL_INTERVAL = 5.0
    settings.EXPORT_MAX_BACKOFF = 60.0
    if endpoint == "export_status":
        detail_url = start_export(member_client)
        ExportTask.objects.update(next_check_at=timezone.now())
    linkedin.fault(endpoint, status=429)  # LinkedIn's 429 body, no Retry-After header
    before = timezone.now()
    if endpoint == "export_start":
        detail_url = start_export(member_client)
        page = member_client.get(detail_url).content.decode()
    else:
        page = poll(member_client, detail_url)
    task = ExportTask.objects.get()
    assert "LinkedIn is throttling requests right now. We will try again in 5 s." in page
    assert task.status == ExportTask.Status.IN_PROGRESS
    assert task.consecutive_errors == 1
    assert (task.next_check_at - before).total_seconds() >= 5
    calls = linkedin.stats()["requests"].get(endpoint, 0)
    poll(member_client, detail_url)
    assert linkedin.stats()["requests"].get(endpoint, 0) == calls  # it waits its turn
    assert not Contact.objects.exists()


def test_a_token_revoked_before_starting_asks_to_sign_in_and_the_export_carries_on(
    member_client, linkedin
):
    linkedin.revoke("typical")
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.IN_PROGRESS
    assert task.needs_sign_in and task.linkedin_task_id == ""
    assert not LinkedInAccount.objects.get().has_usable_token
    page = member_client.get(detail_url).content.decode()
    assert "Sign in again to carry on" in page
    assert "hx-trigger" not in page

    callback = linkedin.consent(start_sign_in(member_client, next_url=detail_url))
    assert member_client.get(local_path(callback))["Location"] == detail_url
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(task, linkedin.contacts("typical"))


def test_linkedin_not_knowing_the_start_endpoint_fails_with_a_reason(member_client, linkedin):
    linkedin.fault("export_start", status=404)
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.FAILED
    page = member_client.get(detail_url).content.decode()
    assert task.failure_reason in page
    assert "Try again" in page
    whole_or_nothing(task, [])


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 201, "body": ""}, "did not say its id"),
        ({"status": 200, "body": "{}"}, "answered 200 instead of 201 Created"),
    ],
    ids=["created-without-id", "ok-instead-of-created"],
)
def test_an_odd_answer_to_start_is_shown_and_retried(
    member_client, linkedin, settings, fault, reason
):
    retry_later(settings)
    linkedin.fault("export_start", **fault)
    detail_url = start_export(member_client)
    assert reason in member_client.get(detail_url).content.decode()
    assert ExportTask.objects.get().linkedin_task_id == ""
    retry_now(settings)
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(task, linkedin.contacts("typical"))


# --- checking on the export ---------------------------------------------------------------


def test_linkedin_going_down_mid_export_keeps_the_export_waiting_with_a_note(
    member_client, linkedin
):
    detail_url = start_export(member_client)
    linkedin.stop()
    try:
        panel = poll(member_client, detail_url)
        task = ExportTask.objects.get()
        assert "We could not reach LinkedIn, or the connection broke." in panel
        assert 'hx-trigger="every 2s"' in panel
        assert task.status == ExportTask.Status.IN_PROGRESS
        whole_or_nothing(task, [])
    finally:
        linkedin.start()
    # LinkedIn came back without its memory: our token and its task are gone. The member
    # signs in again, learns the export is lost, and starts a fresh one that completes.
    assert "Sign in again to carry on" in poll(member_client, detail_url)
    callback = linkedin.consent(start_sign_in(member_client, next_url=detail_url))
    member_client.get(local_path(callback))
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.FAILED
    assert "LinkedIn no longer knows this export." in member_client.get(detail_url).content.decode()
    whole_or_nothing(task, [])
    fresh = finished(member_client, start_export(member_client))
    assert fresh.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(fresh, linkedin.contacts("typical"))


def test_a_slow_status_check_is_abandoned_with_a_note_and_retried(member_client, linkedin):
    detail_url = start_export(member_client)
    linkedin.fault("export_status", status=None, delay=4.0)
    panel = poll(member_client, detail_url)
    assert "LinkedIn did not answer in time." in panel
    assert ExportTask.objects.get().status == ExportTask.Status.IN_PROGRESS
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(task, linkedin.contacts("typical"))


def test_a_permission_withdrawn_mid_export_fails_with_the_reason(member_client, linkedin):
    detail_url = start_export(member_client)
    linkedin.fault("export_status", status=403)
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.FAILED
    page = member_client.get(detail_url).content.decode()
    assert "did not give this app permission to read your contacts" in page
    # Trying again cannot help; a fresh consent can.
    assert "Sign in again and grant access" in page
    assert "Try again" not in page
    whole_or_nothing(task, [])


def test_a_body_cut_short_by_the_connection_stores_nothing_and_is_retried(member_client, linkedin):
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    body = json.dumps(
        succeeded_body(task.linkedin_task_id, linkedin.contacts("typical"), in_an_hour_ms())
    )
    # The headers promise the whole body; the connection delivers half of it.
    linkedin.fault(
        "export_status",
        status=200,
        body=body[: len(body) // 2],
        headers={"Content-Length": str(len(body.encode()))},
    )
    ExportTask.objects.update(next_check_at=timezone.now())
    panel = poll(member_client, detail_url)
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.IN_PROGRESS
    assert task.consecutive_errors == 1
    assert "We will try again" in panel
    whole_or_nothing(task, [])
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(task, linkedin.contacts("typical"))


# --- the result ---------------------------------------------------------------------------


WRONG_SHAPES = {
    "a-json-array": [],
    "no-status": {"id": "x"},
    "succeeded-without-result": {"status": "SUCCEEDED"},
    "result-a-list": {"status": "SUCCEEDED", "result~": []},
    "expiry-a-boolean": {"status": "SUCCEEDED", "result~": {"contacts": [], "expiresAt": True}},
    "expiry-beyond-the-calendar": {
        "status": "SUCCEEDED",
        "result~": {"contacts": [], "expiresAt": 10**20},
    },
    # Python's JSON parser accepts these non-standard literals: they must not get through.
    "expiry-nan": '{"status": "SUCCEEDED", "result~": {"contacts": [], "expiresAt": NaN}}',
    "expiry-infinity": (
        '{"status": "SUCCEEDED", "result~": {"contacts": [], "expiresAt": Infinity}}'
    ),
}


@pytest.mark.parametrize("body", list(WRONG_SHAPES.values()), ids=list(WRONG_SHAPES))
def test_a_result_of_the_wrong_shape_stores_nothing_and_is_retried(member_client, linkedin, body):
    detail_url = start_export(member_client)
    linkedin.fault("export_status", status=200, body=body)
    panel = poll(member_client, detail_url)
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.IN_PROGRESS
    assert task.consecutive_errors == 1
    assert "LinkedIn" in task.note and "We will try again" in panel
    whole_or_nothing(task, [])
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    whole_or_nothing(task, linkedin.contacts("typical"))


def test_a_result_that_has_already_expired_is_never_stored(member_client, linkedin):
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    an_hour_ago_ms = int((time.time() - 3600) * 1000)
    body = succeeded_body(task.linkedin_task_id, linkedin.contacts("typical"), an_hour_ago_ms)
    linkedin.fault("export_status", status=200, body=body)
    response = member_client.get(detail_url + "status/", headers={"HX-Request": "true"})
    assert response.status_code == 410
    assert "This address book has expired" in response.content.decode()
    assert "Generate a fresh one" in response.content.decode()
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.EXPIRED
    whole_or_nothing(task, [])


def test_a_contact_with_nul_characters_is_stored_without_them_on_every_database(
    member_client, linkedin
):
    detail_url = start_export(member_client)
    task = ExportTask.objects.get()
    book = [
        {"name": "Nul\x00Name", "emailAddress": "nul\x00@example.com"},
        {"name": "Ada", "phoneNumber": {"number": "+1 415 555 0100\x00"}},
    ]
    linkedin.fault(
        "export_status",
        status=200,
        body=succeeded_body(task.linkedin_task_id, book, in_an_hour_ms()),
    )
    response = member_client.get(detail_url + "status/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    task = ExportTask.objects.get()
    assert task.status == ExportTask.Status.SUCCEEDED
    assert task.contact_count == 2
    stored = list(
        Contact.objects.filter(task=task).order_by("position").values_list("raw", flat=True)
    )
    assert stored == [
        {"name": "NulName", "emailAddress": "nul@example.com"},
        {"name": "Ada", "phoneNumber": {"number": "+1 415 555 0100"}},
    ]
    assert "NulName" in member_client.get(detail_url).content.decode()


def test_a_200_mb_result_is_refused_at_the_default_cap_without_exhausting_memory(
    member_client, linkedin, settings
):
    assert settings.LINKEDIN_MAX_RESPONSE_BYTES == 64 * MB  # the default cap
    # Long enough that reading 64 MB from a slow machine is stopped by the cap, not the clock.
    settings.LINKEDIN_TIMEOUT = 60.0
    linkedin.set_knobs(result_mode="huge", huge_bytes=200_000_000)
    detail_url = start_export(member_client)
    tracemalloc.start()
    try:
        task = finished(member_client, detail_url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert task.status == ExportTask.Status.FAILED
    assert task.failure_reason == (
        "LinkedIn sent more than 64 MB, more than this site accepts for one address book."
    )
    assert task.failure_reason in member_client.get(detail_url).content.decode()
    # It held at most the cap (plus change) in memory, nowhere near the 200 MB sent.
    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"
    whole_or_nothing(task, [])


# --- what LinkedIn says about an export ------------------------------------------------------


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
