"""Owner scoping: every address of another member's export answers 404 (or, for a POST, 405
before any lookup) and changes nothing; signed-out visitors are sent to sign in; signing out
ends access at once for the same cookies.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from exports.downloads import FORMATS
from exports.models import Contact, ExportTask
from tests.fixtures_app import (
    EXPORT_SUFFIXES,
    finished,
    ready_export,
    shown_key,
    sign_in,
    signed_in,
    start_export,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def adas_export(member_client, linkedin) -> str:
    """The typical member's finished export; returns its URL."""
    detail_url = start_export(member_client)
    assert finished(member_client, detail_url).status == ExportTask.Status.SUCCEEDED
    return detail_url


@pytest.fixture
def stranger(linkedin, db) -> Client:
    """Another member, signed in: the sandbox's empty one."""
    client = Client()
    assert sign_in(client, linkedin, "empty").status_code == 302
    return client


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
def test_another_member_gets_404_everywhere(adas_export, stranger, suffix):
    assert stranger.get(adas_export + suffix).status_code == 404


@pytest.mark.parametrize(
    ("suffix", "headers"),
    [
        ("", {"HX-Request": "true", "HX-Target": "contacts"}),
        ("", {"HX-Request": "true", "HX-Target": "export-panel"}),
        ("status/", {"HX-Request": "true"}),
    ],
)
def test_another_member_cannot_reach_the_htmx_fragments_either(
    adas_export, stranger, suffix, headers
):
    response = stranger.get(adas_export + suffix, {"q": "a"}, headers=headers)
    assert response.status_code == 404
    assert "example.com" not in response.content.decode()


def test_another_member_gets_404_from_a_poll_with_or_without_the_panel_key(linkedin):
    owner = signed_in(linkedin, "typical")
    start_export(owner)
    task = ExportTask.objects.get()
    key = shown_key(owner.get(f"/exports/{task.public_id}/status/").content.decode())
    stranger = signed_in(linkedin, "empty")
    for fragment in ("status", "row"):
        for params in ({}, {"shown": key}):
            response = stranger.get(f"/exports/{task.public_id}/{fragment}/", params)
            assert response.status_code == 404


def test_another_member_cannot_download_any_format(adas_export, stranger):
    assert {"vcard", "google", "outlook", "excel", "csv", "json", "changes"} <= set(FORMATS)
    for key in FORMATS:
        assert stranger.get(f"{adas_export}download/{key}/").status_code == 404
    assert stranger.get(f"{adas_export}duplicates/").status_code == 404


def test_another_member_cannot_delete_an_export(linkedin):
    owner = signed_in(linkedin, "typical")
    task = ready_export(owner)
    stranger = signed_in(linkedin, "empty")
    assert stranger.get(f"/exports/{task.public_id}/delete/").status_code == 404
    assert stranger.post(f"/exports/{task.public_id}/delete/").status_code == 404
    assert Contact.objects.filter(task=task).count() == 321


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
def test_another_members_post_to_an_export_url_changes_nothing(adas_export, stranger, suffix):
    before = list(ExportTask.objects.values())
    contacts = Contact.objects.count()
    response = stranger.post(adas_export + suffix, {"q": "a"})
    assert response.status_code == 405  # answered before any lookup, the same for every id
    assert list(ExportTask.objects.values()) == before
    assert Contact.objects.count() == contacts


def test_another_members_new_export_is_their_own_and_shows_none_of_the_first(
    adas_export, stranger, linkedin
):
    own_url = start_export(stranger)
    assert own_url != adas_export
    task = finished(stranger, own_url)
    assert task.owner.linkedin_account.sub == linkedin.member("empty")["sub"]
    assert task.contact_count == 0
    home = stranger.get("/").content.decode()
    assert adas_export not in home


# --- signing out --------------------------------------------------------------------------


def test_signing_out_ends_access_at_once_for_the_same_cookies(member_client, linkedin):
    detail_url = start_export(member_client)
    old_key = member_client.session.session_key
    old_cookies = SimpleCookie()
    for name, morsel in member_client.cookies.items():
        old_cookies[name] = morsel.value
    assert member_client.post("/auth/logout/").status_code == 302
    assert not Session.objects.filter(session_key=old_key).exists()

    replay = Client()
    replay.cookies = old_cookies
    assert replay.cookies["sessionid"].value == old_key
    for suffix in EXPORT_SUFFIXES:
        response = replay.get(detail_url + suffix)
        assert response.status_code == 302, suffix
        assert response["Location"].startswith("/auth/login/?next="), suffix
    response = replay.post("/exports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")
    assert ExportTask.objects.count() == 1
    assert "Sign in with LinkedIn" in replay.get("/").content.decode()


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
def test_signed_out_visitors_are_sent_to_sign_in(member_client, suffix):
    detail_url = start_export(member_client)
    response = Client().get(detail_url + suffix)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/?next=")
