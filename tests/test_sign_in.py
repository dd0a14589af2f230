"""Sign In with LinkedIn, over real HTTP against the live sandbox."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.db import connection
from django.test import Client

from contactsapp.linkedin_auth import offers_pkce_s256
from contactsapp.models import LinkedInAccount
from tests.fixtures_app import local_path, sign_in, start_sign_in

pytestmark = pytest.mark.django_db


def member(sandbox, key: str) -> dict:
    return next(m for m in sandbox.members() if m["key"] == key)


def test_login_redirects_to_linkedin_with_state_nonce_and_scopes(linkedin, client, settings):
    linkedin.set_knobs(pkce="off")  # LinkedIn's discovery document offers no PKCE
    authorize_url = start_sign_in(client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(linkedin.url + "/oauth/v2/authorization")
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [settings.LINKEDIN_CLIENT_ID]
    assert query["redirect_uri"] == ["http://testserver/auth/callback/"]
    assert query["scope"] == [settings.LINKEDIN_SCOPES]
    assert len(query["state"][0]) >= 20
    assert len(query["nonce"][0]) >= 20
    assert "code_challenge" not in query  # LinkedIn rejects PKCE for web apps


def test_login_sends_a_pkce_s256_challenge_where_the_provider_offers_it(linkedin, client):
    document = requests.get(linkedin.discovery_url, timeout=10).json()
    assert document["code_challenge_methods_supported"] == ["S256"]
    query = parse_qs(urlsplit(start_sign_in(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert len(query["nonce"][0]) >= 20


@pytest.mark.parametrize(
    ("document", "offered"),
    [
        ({"code_challenge_methods_supported": ["S256"]}, True),
        ({"code_challenge_methods_supported": ["plain", "S256"]}, True),
        ({"code_challenge_methods_supported": ["plain"]}, False),
        ({"code_challenge_methods_supported": "S256"}, False),  # not a list: not trusted
        ({}, False),  # LinkedIn's document
    ],
)
def test_pkce_is_used_only_where_the_discovery_document_lists_s256(document, offered):
    assert offers_pkce_s256(document) is offered


@pytest.mark.parametrize("pkce", ["s256", "off"])
def test_sign_in_completes_with_and_without_pkce_offered(linkedin, client, pkce):
    linkedin.set_knobs(pkce=pkce)
    assert sign_in(client, linkedin, "typical").status_code == 302
    assert "_auth_user_id" in client.session


def injected_code(linkedin, member_key: str) -> str:
    """A code obtained by someone else, for `member_key`, in a browser of their own."""
    attacker = Client()
    callback = linkedin.consent(start_sign_in(attacker), member=member_key)
    return parse_qs(urlsplit(callback).query)["code"][0]


def victim_state(client: Client) -> str:
    """The state of a sign-in this browser has started."""
    return parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]


def test_a_code_obtained_for_another_member_is_refused_with_this_browsers_state(linkedin, client):
    # Authorization code injection (RFC 9700 section 4.5): the state is this browser's own,
    # but the code was issued to another sign-in, for another member. PKCE binds it to that
    # sign-in, so LinkedIn refuses to exchange it for this one.
    code = injected_code(linkedin, "large")
    response = client.get("/auth/callback/", {"code": code, "state": victim_state(client)})
    assert response.status_code == 502
    assert "LinkedIn refused to sign you in" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not LinkedInAccount.objects.exists()


def test_without_pkce_a_nonce_echoed_by_the_provider_still_refuses_an_injected_code(
    linkedin, client
):
    linkedin.set_knobs(pkce="off", id_token_nonce="echo")
    code = injected_code(linkedin, "large")
    response = client.get("/auth/callback/", {"code": code, "state": victim_state(client)})
    assert response.status_code == 502
    assert "could not be verified" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not LinkedInAccount.objects.exists()


def test_full_sign_in_creates_the_member_and_shows_their_name(linkedin, client):
    ada = member(linkedin, "typical")
    response = sign_in(client, linkedin, "typical")
    assert response.status_code == 302
    assert response["Location"] == "/"
    account = LinkedInAccount.objects.get(sub=ada["sub"])
    assert account.name == ada["name"]
    assert account.email == ada["email"]
    assert account.picture_url.startswith("http")
    assert account.has_usable_token
    assert "r_contacts" in account.granted_scopes
    home = client.get("/")
    assert ada["name"] in home.content.decode()
    assert "Export my address book" in home.content.decode()


def test_signing_in_again_updates_the_same_user_keyed_by_sub(linkedin, client):
    sign_in(client, linkedin, "typical")
    first = LinkedInAccount.objects.get()
    first_token = first.encrypted_access_token
    sign_in(Client(), linkedin, "typical")
    again = LinkedInAccount.objects.get()
    assert again.user_id == first.user_id
    assert again.encrypted_access_token != first_token


def test_access_token_is_encrypted_at_rest(linkedin, client):
    sign_in(client, linkedin, "typical")
    account = LinkedInAccount.objects.get()
    token = account.access_token
    assert len(token) > 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_access_token FROM contactsapp_linkedinaccount")
        (stored,) = cursor.fetchone()
    assert token not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_cancel_on_the_consent_page_ends_on_a_friendly_page(linkedin, client):
    callback = linkedin.consent(start_sign_in(client), member="typical", action="cancel")
    assert "error=user_cancelled" in callback
    response = client.get(local_path(callback))
    assert response.status_code == 400
    assert "You cancelled signing in" in response.content.decode()
    assert "Try signing in again" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_tampered_state_is_refused(linkedin, client):
    callback = linkedin.consent(start_sign_in(client), member="typical")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "forged-" + query["state"]
    response = client.get(f"{parts.path}?{urlencode(query)}")
    assert response.status_code == 400
    assert "expired or was already used" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_callback_without_a_session_is_refused(linkedin, client):
    callback = linkedin.consent(start_sign_in(client), member="typical")
    response = Client().get(local_path(callback))
    assert response.status_code == 400
    assert "expired or was already used" in response.content.decode()


def test_replayed_callback_is_refused(linkedin, client):
    callback = linkedin.consent(start_sign_in(client), member="typical")
    assert client.get(local_path(callback)).status_code == 302
    client.post("/auth/logout/")
    response = client.get(local_path(callback))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_replayed_authorization_code_is_refused_by_linkedin(linkedin, client):
    used = parse_qs(urlsplit(sign_in_callback(client, linkedin)).query)["code"][0]
    # A new sign-in attempt (a fresh, valid state) carrying the already used code.
    fresh_state = parse_qs(urlsplit(start_sign_in(client)).query)["state"][0]
    response = client.get("/auth/callback/", {"code": used, "state": fresh_state})
    assert response.status_code == 502
    assert "LinkedIn refused to sign you in" in response.content.decode()


def sign_in_callback(client: Client, sandbox) -> str:
    callback = sandbox.consent(start_sign_in(client), member="typical")
    assert client.get(local_path(callback)).status_code == 302
    return callback


def test_wrong_client_secret_shows_invalid_client(linkedin, client, settings):
    settings.LINKEDIN_CLIENT_SECRET = "not-the-secret"
    callback = linkedin.consent(start_sign_in(client), member="typical")
    response = client.get(local_path(callback))
    assert response.status_code == 502
    assert "invalid_client" in response.content.decode()
    assert not LinkedInAccount.objects.exists()


def test_linkedin_unreachable_at_login_shows_a_friendly_page(linkedin, client, settings):
    settings.LINKEDIN_OIDC_DISCOVERY_URL = (
        "http://127.0.0.1:9/oauth/.well-known/openid-configuration"
    )
    response = client.get("/auth/login/")
    assert response.status_code == 502
    assert "could not reach LinkedIn" in response.content.decode()


def test_linkedin_down_during_the_token_exchange(linkedin, client):
    callback = linkedin.consent(start_sign_in(client), member="typical")
    linkedin.stop()
    try:
        response = client.get(local_path(callback))
    finally:
        linkedin.start()
    assert response.status_code == 502
    assert "could not reach LinkedIn" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("endpoint", ["token", "userinfo", "jwks"])
def test_slow_linkedin_times_out_with_a_friendly_page(linkedin, client, endpoint):
    callback = linkedin.consent(start_sign_in(client), member="typical")
    linkedin.fault(endpoint, status=None, delay=4.0, times=1)  # LINKEDIN_TIMEOUT is 2 s here
    response = client.get(local_path(callback))
    assert response.status_code == 502
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("endpoint", ["token", "userinfo"])
def test_linkedin_server_error_during_sign_in(linkedin, client, endpoint):
    callback = linkedin.consent(start_sign_in(client), member="typical")
    linkedin.fault(endpoint, status=500, times=1)
    response = client.get(local_path(callback))
    assert response.status_code == 502
    assert "Try signing in again" in response.content.decode()


def test_id_token_without_nonce_is_accepted(linkedin, client):
    linkedin.set_knobs(id_token_nonce="omit")
    assert sign_in(client, linkedin).status_code == 302
    assert "_auth_user_id" in client.session


def test_id_token_with_the_right_nonce_is_accepted(linkedin, client):
    linkedin.set_knobs(id_token_nonce="echo")
    assert sign_in(client, linkedin).status_code == 302


def test_id_token_with_a_wrong_nonce_is_rejected(linkedin, client):
    linkedin.set_knobs(id_token_nonce="wrong")
    response = sign_in(client, linkedin)
    assert response.status_code == 502
    assert "could not be verified" in response.content.decode()
    assert not LinkedInAccount.objects.exists()


def test_safe_next_is_honoured(linkedin, client):
    response = sign_in(client, linkedin, next_url="/exports/")
    assert response["Location"] == "/exports/"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_unsafe_next_is_ignored(linkedin, client, next_url):
    response = sign_in(client, linkedin, next_url=next_url)
    assert response["Location"] == "/"


def test_logout_is_post_only_and_needs_csrf(linkedin, db):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, linkedin)
    assert client.get("/auth/logout/").status_code == 405
    assert client.post("/auth/logout/").status_code == 403
    assert "_auth_user_id" in client.session
    home = client.get("/")
    token = home.context["csrf_token"]
    response = client.post("/auth/logout/", {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert "Sign in with LinkedIn" in client.get("/").content.decode()
