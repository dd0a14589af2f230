"""`languages/middleware.py` with Django's LocaleMiddleware: which language a page is in,
`lang` and `dir` on it, and the time zone from the `tz` cookie.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC

import pytest
from django.test import Client
from django.urls import reverse

from tests.exports.factories import contact, export_ingested, member

pytestmark = pytest.mark.django_db


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


@pytest.mark.parametrize(
    ("accept_language", "lang", "direction"),
    [
        ("ar", "ar", "rtl"),
        ("ar-EG,ar;q=0.9,en;q=0.5", "ar", "rtl"),
        ("ja-JP,ja;q=0.9", "ja", "ltr"),
        ("pt-BR,pt;q=0.8", "pt-br", "ltr"),
        ("de-CH, fr;q=0.5", "de", "ltr"),
        ("sv-SE,sv;q=0.9", "en", "ltr"),  # nothing we speak: English
        ("", "en", "ltr"),
        ("x" * 500, "en", "ltr"),
    ],
)
def test_the_browsers_accept_language_picks_the_page_language(accept_language, lang, direction):
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 200
    assert html_tag(response.content.decode()) == f'<html lang="{lang}" dir="{direction}">'
    assert response["Content-Language"] == lang
    assert "Accept-Language" in response["Vary"]


def test_error_pages_carry_lang_and_dir_too():
    response = Client().get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 404
    assert html_tag(response.content.decode()) == '<html lang="ar" dir="rtl">'


def test_a_signed_in_members_saved_language_wins_over_the_browsers():
    user = member()
    user.linkedin_account.language = "ja"
    user.linkedin_account.save()
    client = Client()
    client.force_login(user)
    session = client.session
    session["member_language"] = "ja"
    session.save()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert html_tag(page) == '<html lang="ja" dir="ltr">'


def test_a_session_language_that_is_not_ours_is_ignored():
    client = Client()
    client.force_login(member())
    session = client.session
    session["member_language"] = "xx-evil"
    session.save()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert html_tag(page) == '<html lang="de" dir="ltr">'


@pytest.fixture
def finished_export_page():
    """A signed-in member's client and the address of their finished export, which shows
    when it expires to the second, with the zone named ("Available until …")."""
    owner = member()
    task = export_ingested(owner, [contact("Ada Lovelace", "ada@example.com")])
    client = Client()
    client.force_login(owner)
    return client, reverse("export_detail", args=[task.public_id]), task


def availability(page: str) -> str:
    return re.search(r'<p class="availability">(.*?)</p>', page, re.S).group(1)


def test_times_are_shown_in_the_zone_of_the_tz_cookie(finished_export_page):
    client, url, task = finished_export_page
    client.cookies["tz"] = "Asia/Tokyo"
    shown = availability(client.get(url).content.decode())
    tokyo = task.expires_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert f"{tokyo:%H:%M:%S} JST" in shown, shown
    assert f'datetime="{task.expires_at.isoformat()}"' in shown  # the instant itself stays


@pytest.mark.parametrize(
    "cookie", [None, "Mars/Olympus_Mons", "../../../etc/passwd", "Europe%2FParis", "\u00e9" * 300]
)
def test_without_a_real_zone_times_are_in_utc_and_say_so(finished_export_page, cookie):
    client, url, task = finished_export_page
    if cookie is not None:
        client.cookies["tz"] = cookie
    response = client.get(url)
    assert response.status_code == 200
    shown = availability(response.content.decode())
    assert f"{task.expires_at.astimezone(UTC):%H:%M:%S} UTC" in shown, shown


def test_the_zone_of_one_request_does_not_leak_into_the_next(finished_export_page):
    client, url, _task = finished_export_page
    client.cookies["tz"] = "Asia/Tokyo"
    client.get(url)
    del client.cookies["tz"]
    assert " UTC" in availability(client.get(url).content.decode())
