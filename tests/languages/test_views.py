"""The language switcher (`languages/views.py`, `templates/_language_switcher.html`): a POST
with CSRF, on every page, remembered on the account across sign-ins and browsers.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from contactsapp.models import LinkedInAccount
from tests.fixtures_app import local_path, sign_in, signed_in, start_sign_in

pytestmark = pytest.mark.django_db

NAMES = {
    "en": "English",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "pt-br": "Português (Brasil)",
    "ja": "日本語",
    "ar": "العربية",
}


def lang_of(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def switcher(page: str) -> str:
    return re.search(r"<form[^>]*data-language-switcher.*?</form>", page, re.S).group(0)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', switcher(page)).group(1)


@pytest.mark.parametrize("path", ["/", "/no/such/page/"])
def test_every_page_has_the_switcher_naming_each_language_in_itself(path):
    form = switcher(Client().get(path).content.decode())
    assert 'method="post" action="/language/"' in form
    assert "csrfmiddlewaretoken" in form
    assert '<button type="submit"' in form  # works without JavaScript
    for code, name in NAMES.items():
        assert f'<option value="{code}" lang="{code}"' in form
        assert f">{name}</option>" in form
    assert '<option value="en" lang="en" selected>' in form


def test_a_visitor_switches_with_the_csrf_token_and_a_cookie_keeps_it():
    client = Client(enforce_csrf_checks=True)
    home = client.get("/").content.decode()
    refused = client.post("/language/", {"language": "ar", "next": "/"})
    assert refused.status_code == 403  # no token: CSRF refuses it
    response = client.post(
        "/language/",
        {"language": "ar", "next": "/?page=2", "csrfmiddlewaretoken": csrf_token(home)},
    )
    assert response.status_code == 302 and response["Location"] == "/?page=2"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ar"
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == 365 * 24 * 60 * 60
    page = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert '<option value="ar" lang="ar" selected>' in switcher(page)


@pytest.mark.parametrize("language", ["xx", "", "en-us", "../fr", "ar" * 200])
def test_a_bogus_language_is_refused_and_changes_nothing(language):
    client = Client()
    response = client.post("/language/", {"language": language, "next": "/"})
    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert lang_of(client.get("/").content.decode()) == "en"


def test_the_switcher_answers_post_only():
    assert Client().get("/language/?language=fr").status_code == 405


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_a_next_address_off_the_site_goes_home(next_url):
    response = Client().post("/language/", {"language": "de", "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_members_choice_is_saved_and_outlives_signing_out_and_in_elsewhere(linkedin):
    client = signed_in(linkedin, "noperm")  # LinkedIn says French
    account = LinkedInAccount.objects.get(sub=linkedin.member("noperm")["sub"])
    assert account.language == "fr"
    assert lang_of(client.get("/").content.decode()) == "fr"

    assert client.post("/language/", {"language": "ja", "next": "/"}).status_code == 302
    account.refresh_from_db()
    assert account.language == "ja"
    assert lang_of(client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()) == "ja"

    client.post("/auth/logout/")
    # Signing in again, from another browser that asks for German: the choice holds, and
    # LinkedIn's French does not come back.
    other = Client()
    callback = linkedin.consent(start_sign_in(other), member="noperm", action="allow")
    assert other.get(local_path(callback)).status_code == 302
    assert lang_of(other.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()) == "ja"
    account.refresh_from_db()
    assert account.language == "ja"


def test_signing_in_keeps_the_choice_of_the_session_in_the_signed_in_pages(linkedin):
    client = Client()
    assert sign_in(client, linkedin, "typical").status_code == 302
    client.post("/language/", {"language": "es", "next": "/"})
    assert lang_of(client.get("/").content.decode()) == "es"
    assert LinkedInAccount.objects.get(sub=linkedin.member("typical")["sub"]).language == "es"
