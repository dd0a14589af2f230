"""Hostile input to the app: bad ids, odd query strings, open redirects, CSRF, forged callbacks,
and markup in contact names. Nothing here may answer 500, leak, or change anything."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from contactsapp.models import LinkedInAccount
from exports.models import Contact, ExportTask
from tests.fixtures_app import finished, local_path, sign_in, start_export, start_sign_in

pytestmark = pytest.mark.django_db

EXPORT_SUFFIXES = ["", "status/", "contacts.csv", "contacts.json"]


@pytest.fixture
def ready(member_client) -> tuple[Client, str, ExportTask]:
    """The typical member, signed in, with their address book exported and stored."""
    detail_url = start_export(member_client)
    task = finished(member_client, detail_url)
    assert task.status == ExportTask.Status.SUCCEEDED
    return member_client, detail_url, task


# --- export ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
@pytest.mark.parametrize(
    "bad_id",
    [
        "1",
        "not-a-uuid",
        "' OR 1=1 --",
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
        "00000000-0000-0000-0000-00000000000g",
        "6F9619FF-8B86-D011-B42D-00C04FC964FF",  # upper case is not the canonical form
        "6f9619ff8b86d011b42d00c04fc964ff",
    ],
)
def test_an_export_url_with_a_malformed_id_is_not_found(member_client, suffix, bad_id):
    assert member_client.get(f"/exports/{bad_id}/{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
def test_an_export_url_with_an_unknown_uuid_is_not_found(ready, suffix):
    client, _, _ = ready
    response = client.get(f"/exports/{uuid.uuid4()}/{suffix}")
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]


# --- query strings ------------------------------------------------------------------------


def matching(task: ExportTask, needle: str) -> int:
    """How many contacts hold `needle` literally in their name, email or phone."""
    return sum(
        needle.lower() in text
        for text in Contact.objects.filter(task=task).values_list("search_text", flat=True)
    )


@pytest.mark.parametrize(
    "needle", ["%", "_", "\\", "a%", "_@", "'", '"', "--", "🚀", "👩\u200d💻", "王小明", "Ørsted"]
)
def test_search_is_literal_for_wildcards_quotes_and_emoji(ready, needle):
    client, detail_url, task = ready
    response = client.get(detail_url, {"q": needle})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == matching(task, needle)


def test_search_finds_the_emoji_it_is_given(ready):
    client, detail_url, _ = ready
    response = client.get(detail_url, {"q": "🚀"})
    assert [contact.name for contact in response.context["page"].object_list] == ["Sam 🚀 Rivera"]


@pytest.mark.parametrize("needle", ["\x00", "ada\x00", "\x00%"])
def test_search_with_a_nul_character_matches_nothing_and_does_not_fail(ready, needle):
    client, detail_url, _ = ready
    response = client.get(detail_url, {"q": needle})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "No contacts match your search" in response.content.decode()
    fragment = client.get(detail_url, {"q": needle}, headers={"HX-Target": "contacts"})
    assert fragment.status_code == 200
    assert "No contacts match your search" in fragment.content.decode()


def test_a_100_kb_search_is_cut_to_a_sensible_length(ready):
    client, detail_url, _ = ready
    response = client.get(detail_url, {"q": "x" * 100_000})
    assert response.status_code == 200
    assert response.context["query"] == "x" * 200
    assert response.context["page"].paginator.count == 0
    assert len(response.content) < 100_000  # the query is not echoed back in full


@pytest.mark.parametrize(
    ("page", "expected"),
    [("-1", "last"), ("0", "last"), ("abc", 1), ("99999999999999999999", "last"), ("1e3", 1)],
)
def test_an_odd_page_number_shows_a_real_page(ready, page, expected):
    client, detail_url, _ = ready
    response = client.get(detail_url, {"page": page})
    assert response.status_code == 200
    shown = response.context["page"]
    assert shown.number == (shown.paginator.num_pages if expected == "last" else expected)
    assert len(shown.object_list) > 0


@pytest.mark.parametrize("sort", [";DROP TABLE exports_contact;--", "raw", "search_text", "-pk"])
def test_an_unknown_sort_falls_back_to_linkedins_order(ready, sort):
    client, detail_url, task = ready
    response = client.get(detail_url, {"sort": sort})
    assert response.status_code == 200
    assert response.context["sort"] == ""
    positions = [contact.position for contact in response.context["page"].object_list]
    assert positions == list(range(50))
    assert Contact.objects.filter(task=task).count() == task.contact_count


def test_a_search_with_markup_is_echoed_escaped(ready):
    client, detail_url, _ = ready
    attack = '"><script>alert("q")</script>'
    body = client.get(detail_url, {"q": attack}).content.decode()
    assert '<script>alert("q")</script>' not in body
    assert "&lt;script&gt;alert(&quot;q&quot;)&lt;/script&gt;" in body


# --- contact names that are markup --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "raw", "escaped"),
    [
        ("script", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("bold", "<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"),
        ("onerror", "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ],
)
def test_a_contact_name_that_is_markup_is_shown_as_text(ready, query, raw, escaped):
    client, detail_url, _ = ready
    for headers in ({}, {"HX-Request": "true", "HX-Target": "contacts"}):
        body = client.get(detail_url, {"q": query}, headers=headers).content.decode()
        assert escaped in body
        assert raw not in body


# --- open redirects through `next` --------------------------------------------------------


@pytest.mark.parametrize(
    "raw_next",
    [
        "https:/%5Cevil.example",  # https:/\evil.example
        "%2F%2Fevil.example",  # //evil.example
        "/%09/evil.example",  # /<tab>/evil.example: browsers drop the tab
        "%09//evil.example",
        "/%0A/evil.example",
        "%2F%5Cevil.example",  # /\evil.example
        "///evil.example",
        "http://testserver@evil.example/",
        "https://evil.example%23@testserver/",
        "%20//evil.example",
        "data:text/html,%3Cscript%3Ealert(1)%3C/script%3E",
    ],
)
def test_a_crafted_next_never_leads_off_site(linkedin, client, raw_next):
    login = client.get(f"/auth/login/?next={raw_next}")
    assert login.status_code == 302
    callback = linkedin.consent(login["Location"], member="typical")
    response = client.get(local_path(callback))
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- CSRF ---------------------------------------------------------------------------------


@pytest.fixture
def strict_client(linkedin, db) -> Client:
    """A signed-in browser whose POSTs are checked for CSRF, as real ones are."""
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, linkedin, "typical").status_code == 302
    return client


def csrf_token(client: Client) -> str:
    return str(client.get("/").context["csrf_token"])


@pytest.mark.parametrize(
    "form",
    [{}, {"csrfmiddlewaretoken": "forged-token-forged-token-forged-token"}],
    ids=["no-token", "forged-token"],
)
def test_starting_an_export_without_a_valid_csrf_token_is_refused_and_starts_nothing(
    strict_client, linkedin, form
):
    response = strict_client.post("/exports/", form)
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert not ExportTask.objects.exists()
    assert linkedin.stats()["requests"].get("export_start", 0) == 0


@pytest.mark.parametrize(
    "form",
    [{}, {"csrfmiddlewaretoken": "forged-token-forged-token-forged-token"}],
    ids=["no-token", "forged-token"],
)
def test_signing_out_without_a_valid_csrf_token_is_refused_and_keeps_the_session(
    strict_client, form
):
    response = strict_client.post("/auth/logout/", form)
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert "_auth_user_id" in strict_client.session


@pytest.mark.parametrize("path", ["/exports/", "/auth/logout/"])
def test_a_valid_csrf_token_posted_from_another_origin_is_refused(strict_client, path):
    token = csrf_token(strict_client)
    response = strict_client.post(
        path, {"csrfmiddlewaretoken": token}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert not ExportTask.objects.exists()
    assert "_auth_user_id" in strict_client.session


def test_the_same_post_with_a_valid_csrf_token_is_accepted(strict_client):
    response = strict_client.post("/exports/", {"csrfmiddlewaretoken": csrf_token(strict_client)})
    assert response.status_code == 302
    assert ExportTask.objects.count() == 1


# --- the OAuth callback -------------------------------------------------------------------


def test_access_denied_on_the_callback_is_a_cancel_not_an_error(linkedin, client):
    state = parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]
    response = client.get(
        "/auth/callback/", {"error": "access_denied", "error_description": "no", "state": state}
    )
    assert response.status_code == 400
    assert "You cancelled signing in with LinkedIn" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_callback_error_with_markup_is_shown_escaped(linkedin, client):
    state = parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]
    query = urlencode(
        {
            "error": 'server_error"><script>alert(1)</script>',
            "error_description": "<script>alert(2)</script><img src=x onerror=alert(3)>",
            "state": state,
        }
    )
    response = client.get(f"/auth/callback/?{query}")
    body = response.content.decode()
    assert response.status_code == 502
    assert "LinkedIn refused to sign you in" in body
    assert "<script>alert(" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the code, escaped in an attribute
    assert "_auth_user_id" not in client.session


def test_a_callback_error_cannot_forge_log_lines(linkedin, client, caplog):
    caplog.set_level(logging.DEBUG)
    state = parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]
    forged = "oops\nts=2030-01-01 level=INFO logger=contactsapp event=admin_signed_in"
    response = client.get("/auth/callback/", {"error": forged, "state": state})
    assert response.status_code == 502
    messages = [record.getMessage() for record in caplog.records]
    assert any("sign_in_failed" in message for message in messages)
    assert not any("\n" in message for message in messages)


def test_a_callback_carrying_another_browsers_state_is_refused(linkedin, client):
    victim = Client()
    start_sign_in(victim)  # the victim is signing in too, with a state of their own
    attackers_callback = linkedin.consent(start_sign_in(client), member="noperm")
    response = victim.get(local_path(attackers_callback))
    assert response.status_code == 400
    assert "expired or was already used" in response.content.decode()
    assert "_auth_user_id" not in victim.session
    assert not LinkedInAccount.objects.exists()


def test_a_callback_without_a_code_is_refused(linkedin, client):
    state = parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]
    response = client.get("/auth/callback/", {"state": state})
    assert response.status_code in (400, 502)
    assert "Try signing in again" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not LinkedInAccount.objects.exists()
