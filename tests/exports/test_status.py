"""Every state says what is true: missing permission, empty book, home rows, one product.

Over real HTTP against the live sandbox, on whichever database DATABASE_URL names.
"""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from contactsapp.models import LinkedInAccount
from exports.models import ExportTask
from tests.fixtures_app import (
    finished,
    in_english,
    local_path,
    shown_key,
    signed_in,
    start_export,
    start_sign_in,
    wait_until,
)

pytestmark = pytest.mark.django_db

PRODUCT = "Address Book for LinkedIn"


def signed_in_at_home(sandbox, member: str) -> Client:
    client = signed_in(sandbox, member)
    in_english(client)  # what this module reads is English, whatever LinkedIn's locale
    client.get("/")  # the "Signed in" message is shown once, here
    return client


def home_row(page: str, task: ExportTask) -> str:
    match = re.search(rf'<li id="export-{task.public_id}".*?</li>', page, re.S)
    assert match, f"no home row for {task.public_id}"
    return match.group(0)


# --- missing Contacts permission -----------------------------------------------------------


def test_missing_permission_says_so_plainly_and_offers_a_fresh_consent_not_a_retry(linkedin):
    client = signed_in_at_home(linkedin, "noperm")
    detail_url = start_export(client)
    task = finished(client, detail_url)
    assert task.status == ExportTask.Status.FAILED
    assert task.failure_kind == ExportTask.FailureKind.PERMISSION
    assert "permission to read your contacts" in task.failure_reason

    page = client.get(detail_url).content.decode()
    assert "LinkedIn did not grant access to your contacts" in page
    assert "permission to read your contacts" in page
    assert 'href="/auth/login/?consent=1"' in page
    assert "Sign in again and grant access" in page
    assert "Try again" not in page
    # LinkedIn's own developer text only inside a collapsed <details>.
    details = re.search(r"<details>.*?</details>", page, re.S).group(0)
    assert "Not enough permissions to access" in details
    assert page.count("Not enough permissions to access") == 1
    assert "<details open" not in page
    # The home page gives the reason too, in plain words.
    row = home_row(client.get("/").content.decode(), task)
    assert "LinkedIn did not grant access to your contacts." in row
    assert "Not enough permissions" not in row


def test_signing_in_again_with_a_fresh_consent_grants_contacts_and_the_export_works(linkedin):
    client = signed_in_at_home(linkedin, "noperm")
    assert finished(client, start_export(client)).status == ExportTask.Status.FAILED

    # An ordinary sign-in asks for no fresh consent, and LinkedIn still withholds contacts.
    plain = start_sign_in(client)
    assert "prompt" not in parse_qs(urlsplit(plain).query)
    client.get(local_path(linkedin.consent(plain, member="noperm")))
    assert finished(client, start_export(client)).status == ExportTask.Status.FAILED

    # The panel's button: LinkedIn is asked to show every permission again.
    response = client.get("/auth/login/?consent=1")
    assert response.status_code == 302
    authorize_url = response["Location"]
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["prompt"] == ["consent"]
    assert query["login_hint"] == [linkedin.member("noperm")["sub"]]  # who LinkedIn should expect
    consent_page = requests.get(authorize_url, timeout=10).text
    assert "review every permission again" in consent_page
    callback = client.get(local_path(linkedin.consent(authorize_url, member="noperm")))
    assert callback.status_code == 302 and callback["Location"] == "/"

    account = LinkedInAccount.objects.get(sub=linkedin.member("noperm")["sub"])
    assert "r_contacts" in account.granted_scopes.split()
    task = finished(client, start_export(client))
    assert task.status == ExportTask.Status.SUCCEEDED
    assert task.contact_count == linkedin.member("noperm")["contact_count"]


# --- the empty address book ----------------------------------------------------------------


def test_an_empty_book_says_linkedin_has_no_contacts_with_nothing_to_search_or_download(linkedin):
    client = signed_in_at_home(linkedin, "empty")
    detail_url = start_export(client)
    task = finished(client, detail_url)
    assert (task.status, task.contact_count) == (ExportTask.Status.SUCCEEDED, 0)

    for page in (
        client.get(detail_url).content.decode(),
        # The fragment that replaces the panel when polling ends says the same.
        client.get(detail_url + "status/", headers={"HX-Request": "true"}).content.decode(),
    ):
        assert "LinkedIn has no contacts for you" in page
        assert "Your contacts are ready" not in page
        assert 'role="search"' not in page
        assert "contacts.csv" not in page and "contacts.json" not in page
        assert "0 contacts." not in page and "No contacts" not in page
        assert 'data-testid="total-contacts"' not in page
    row = home_row(client.get("/").content.decode(), task)
    assert "LinkedIn has no contacts for you" in row


# --- home rows update by themselves --------------------------------------------------------


def test_home_rows_poll_while_in_progress_and_stop_when_finished(linkedin):
    linkedin.set_knobs(task_seconds=1.0)
    client = signed_in_at_home(linkedin, "typical")
    start_export(client)
    task = ExportTask.objects.get()
    row_url = f"/exports/{task.public_id}/row/"

    row = home_row(client.get("/").content.decode(), task)
    assert f'hx-get="{row_url}"' in row and 'hx-trigger="every 2s"' in row
    assert "Generating" in row

    # Nobody opens the export page: the home page's row poll alone finishes it.
    def polled_row():
        fragment = client.get(row_url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        body = fragment.content.decode()
        return body if "hx-trigger" not in body else None

    row = wait_until(polled_row)
    assert "Ready" in row and "<strong>321</strong> contacts" in row
    assert re.search(r"available until <time datetime=\S+>\d+ \w+ \d{4}, \d\d:\d\d:\d\d UTC", row)
    task.refresh_from_db()
    assert task.status == ExportTask.Status.SUCCEEDED


def test_the_worker_finishes_exports_with_no_page_open(linkedin):
    linkedin.set_knobs(task_seconds=0.5)
    client = signed_in_at_home(linkedin, "failing")
    start_export(client)
    other = signed_in_at_home(linkedin, "typical")
    start_export(other)

    output = io.StringIO()

    def all_finished():
        call_command("poll_exports", stdout=output)
        return not ExportTask.objects.filter(status=ExportTask.Status.IN_PROGRESS).exists()

    wait_until(all_finished, every=0.3)
    assert "Refreshed" in output.getvalue()
    failed = ExportTask.objects.get(owner__linkedin_account__sub=linkedin.member("failing")["sub"])
    row = home_row(client.get("/").content.decode(), failed)
    assert "Failed" in row and "hx-trigger" not in row
    assert "LinkedIn could not generate your address book this time." in row  # the reason
    ready = ExportTask.objects.get(owner__linkedin_account__sub=linkedin.member("typical")["sub"])
    assert "Ready" in home_row(other.get("/").content.decode(), ready)


# --- polls that find nothing new ----------------------------------------------------------


@pytest.mark.parametrize("fragment", ["status", "row"])
def test_a_poll_that_finds_nothing_new_is_answered_204_and_a_change_with_the_new_panel(
    linkedin, fragment
):
    linkedin.set_knobs(task_seconds=3600)
    client = signed_in_at_home(linkedin, "typical")
    detail_url = start_export(client)
    task = ExportTask.objects.get()
    poll_url = f"/exports/{task.public_id}/{fragment}/"
    htmx = {"HX-Request": "true"}
    # No call to LinkedIn due for the whole test: what the member sees depends on us alone.
    ExportTask.objects.filter(pk=task.pk).update(next_check_at=task.requested_at.replace(year=2999))

    first = client.get(poll_url, headers=htmx)
    assert first.status_code == 200
    key = shown_key(first.content.decode())
    page = client.get(detail_url if fragment == "status" else "/").content.decode()
    assert f'"shown": "{key}"' in page  # the page's own panel polls with the same key
    unchanged = client.get(poll_url, {"shown": key}, headers=htmx)
    assert unchanged.status_code == 204 and unchanged.content == b""
    stale = client.get(poll_url, {"shown": "0" * 16}, headers=htmx)
    assert stale.status_code == 200 and shown_key(stale.content.decode()) == key

    ExportTask.objects.filter(pk=task.pk).update(note="LinkedIn is busy. We will try again.")
    changed = client.get(poll_url, {"shown": key}, headers=htmx)
    assert changed.status_code == 200
    assert "LinkedIn is busy. We will try again." in changed.content.decode()
    assert shown_key(changed.content.decode()) != key

    ExportTask.objects.filter(pk=task.pk).update(
        status=ExportTask.Status.FAILED, failure_reason="LinkedIn said no."
    )
    final = client.get(poll_url, {"shown": key}, headers=htmx)
    assert final.status_code == 200
    assert "LinkedIn said no." in final.content.decode()
    assert "hx-trigger" not in final.content.decode()  # polling stops


def test_a_token_that_expired_meanwhile_asks_for_sign_in_when_a_call_is_due_without_calling(
    linkedin,
):
    linkedin.set_knobs(task_seconds=3600)
    client = signed_in_at_home(linkedin, "typical")
    start_export(client)
    task = ExportTask.objects.get()
    status_url = f"/exports/{task.public_id}/status/"
    htmx = {"HX-Request": "true"}
    LinkedInAccount.objects.update(token_expires_at=task.requested_at)
    calls = linkedin.stats()["requests"].get("export_status", 0)

    # Not due: the poll reads only the task and keeps polling.
    ExportTask.objects.filter(pk=task.pk).update(next_check_at=task.requested_at.replace(year=2999))
    waiting = client.get(status_url, headers=htmx).content.decode()
    assert "LinkedIn is preparing your address book" in waiting and "hx-trigger" in waiting

    # Due: the token is checked before any call, and the member is asked to sign in again.
    ExportTask.objects.filter(pk=task.pk).update(next_check_at=task.requested_at)
    key = shown_key(waiting)
    panel = client.get(status_url, {"shown": key}, headers=htmx)
    assert panel.status_code == 200
    assert "Sign in again to carry on" in panel.content.decode()
    assert "hx-trigger" not in panel.content.decode()
    assert ExportTask.objects.get().needs_sign_in
    assert linkedin.stats()["requests"].get("export_status", 0) == calls


# --- messages never contradict the panel ---------------------------------------------------


def test_starting_and_clicking_again_leave_no_message_to_contradict_the_panel(linkedin):
    client = signed_in_at_home(linkedin, "failing")
    detail_url = start_export(client)
    assert start_export(client) == detail_url
    finished(client, detail_url)
    page = client.get(detail_url).content.decode()
    assert "The export did not work" in page
    assert 'class="messages"' not in page


def test_every_time_is_shown_to_the_second_with_its_zone(linkedin):
    client = signed_in_at_home(linkedin, "typical")
    detail_url = start_export(client)
    task = finished(client, detail_url)
    stamp = r"\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d UTC"
    page = client.get(detail_url).content.decode()
    assert re.search(rf"Requested <time datetime=\"[^\"]+\">{stamp}</time>", page)
    assert re.search(rf"Available until <time datetime=\"[^\"]+\">{stamp}</time>", page)
    assert re.search(stamp, home_row(client.get("/").content.decode(), task))


# --- one product ---------------------------------------------------------------------------


def test_one_name_everywhere_and_a_favicon_on_the_app_and_the_sandbox(linkedin):
    client = Client()
    landing = client.get("/").content.decode()
    assert f"· {PRODUCT}</title>" in landing
    assert 'rel="icon"' in landing
    consent = requests.get(start_sign_in(client), timeout=10).text
    assert f"{PRODUCT} would like to" in consent

    icon = client.get("/favicon.ico")
    assert icon.status_code == 302
    svg = client.get(icon["Location"])
    assert svg.status_code == 200
    assert b"<svg" in b"".join(svg.streaming_content)
    sandbox_icon = requests.get(f"{linkedin.url}/favicon.ico", timeout=10)
    assert sandbox_icon.status_code == 200
    assert sandbox_icon.headers["Content-Type"] == "image/svg+xml"
    assert "<svg" in sandbox_icon.text
