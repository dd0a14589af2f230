"""Sign In with LinkedIn using OpenID Connect, as the sandbox plays it (real HTTP)."""

from __future__ import annotations

import base64
import secrets
import time

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from .conftest import CALLBACK_URL, CLIENT_ID, CLIENT_SECRET, CONTACTS_SCOPE, query_of


def discovery(sandbox) -> dict:
    return requests.get(sandbox.discovery_url, timeout=10).json()


def verified_claims(sandbox, id_token: str) -> dict:
    keys = KeySet.import_key_set(requests.get(discovery(sandbox)["jwks_uri"], timeout=10).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    return token.claims


def test_discovery_document_has_linkedins_shape(sandbox):
    document = discovery(sandbox)

    assert document["issuer"] == f"{sandbox.url}/oauth"
    assert document["authorization_endpoint"] == f"{sandbox.url}/oauth/v2/authorization"
    assert document["token_endpoint"] == f"{sandbox.url}/oauth/v2/accessToken"
    assert document["userinfo_endpoint"] == f"{sandbox.url}/v2/userinfo"
    assert document["jwks_uri"] == f"{sandbox.url}/oauth/openid/jwks"
    assert document["response_types_supported"] == ["code"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    assert {"openid", "profile", "email"} <= set(document["scopes_supported"])
    assert {"sub", "email", "locale"} <= set(document["claims_supported"])
    assert document["subject_types_supported"]


def test_jwks_publishes_one_public_rs256_key_with_a_kid(sandbox):
    keys = requests.get(discovery(sandbox)["jwks_uri"], timeout=10).json()["keys"]

    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert keys[0]["kid"]
    assert "d" not in keys[0]


def test_code_flow_gives_tokens_and_an_id_token_signed_with_the_jwks_key(sandbox, sign_in):
    ada = sandbox.member("typical")

    tokens = sign_in("typical")

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 5184000
    assert set(tokens["scope"].split()) == {"openid", "profile", "email", CONTACTS_SCOPE}
    assert "refresh_token" not in tokens
    claims = verified_claims(sandbox, tokens["id_token"])
    assert claims["iss"] == discovery(sandbox)["issuer"]
    assert claims["aud"] == CLIENT_ID
    assert claims["sub"] == ada["sub"]
    assert claims["exp"] > claims["iat"]
    assert claims["name"] == ada["name"]
    assert claims["given_name"] == ada["given_name"]
    assert claims["family_name"] == ada["family_name"]
    assert claims["email"] == ada["email"]
    assert claims["email_verified"] is True
    assert claims["picture"].startswith(sandbox.url)
    assert claims["locale"] == {"country": "US", "language": "en"}


def test_id_token_has_no_nonce_by_default_even_though_one_was_sent(sandbox, sign_in):
    tokens = sign_in(nonce="nonce-sent-by-the-app")

    assert "nonce" not in verified_claims(sandbox, tokens["id_token"])


def test_id_token_echoes_the_nonce_when_asked_to(sandbox, sign_in):
    sandbox.set_knobs(id_token_nonce="echo")

    tokens = sign_in(nonce="nonce-sent-by-the-app")

    assert verified_claims(sandbox, tokens["id_token"])["nonce"] == "nonce-sent-by-the-app"


def test_id_token_carries_another_nonce_when_asked_to_be_wrong(sandbox, sign_in):
    sandbox.set_knobs(id_token_nonce="wrong")

    tokens = sign_in(nonce="nonce-sent-by-the-app")

    nonce = verified_claims(sandbox, tokens["id_token"])["nonce"]
    assert nonce and nonce != "nonce-sent-by-the-app"


def test_userinfo_answers_the_member_with_locale_as_an_object(sandbox, sign_in):
    ada = sandbox.member("typical")
    tokens = sign_in("typical")

    response = requests.get(
        discovery(sandbox)["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )

    assert response.status_code == 200
    info = response.json()
    assert info["sub"] == ada["sub"]
    assert info["name"] == ada["name"]
    assert info["given_name"] == ada["given_name"]
    assert info["family_name"] == ada["family_name"]
    assert info["email"] == ada["email"]
    assert info["email_verified"] is True
    assert info["locale"] == {"country": "US", "language": "en"}
    picture = requests.get(info["picture"], timeout=10)
    assert picture.status_code == 200
    assert picture.headers["Content-Type"] == "image/svg+xml"


@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "", "Basic abc"])
def test_userinfo_answers_linkedins_401_without_a_valid_token(sandbox, authorization):
    response = requests.get(
        f"{sandbox.url}/v2/userinfo", headers={"Authorization": authorization}, timeout=10
    )

    assert response.status_code == 401
    assert response.json()["serviceErrorCode"] == 65600
    assert response.json()["code"] == "INVALID_ACCESS_TOKEN"


def test_tokens_expire_after_token_ttl(sandbox, sign_in, api):
    sandbox.set_knobs(token_ttl=1)
    tokens = sign_in()
    assert tokens["expires_in"] == 1
    time.sleep(1.1)

    assert api("GET", "/v2/userinfo", tokens["access_token"]).status_code == 401


def test_token_endpoint_refuses_http_basic_client_authentication(sandbox, authorization_code):
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()

    response = requests.post(
        f"{sandbox.url}/oauth/v2/accessToken",
        data={
            "grant_type": "authorization_code",
            "code": authorization_code(),
            "redirect_uri": CALLBACK_URL,
        },
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_token_endpoint_refuses_a_pkce_code_verifier(sandbox, authorization_code, exchange):
    sandbox.set_knobs(pkce="off")  # LinkedIn, as reported for web applications
    response = exchange(authorization_code(), code_verifier="a" * 50)

    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def test_token_endpoint_refuses_a_wrong_secret(authorization_code, exchange):
    response = exchange(authorization_code(), client_secret="not-the-secret")

    assert response.json()["error"] == "invalid_client"


def test_a_code_can_be_exchanged_only_once(authorization_code, exchange):
    code = authorization_code()

    assert exchange(code).status_code == 200
    replay = exchange(code)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_a_code_expires_after_code_ttl(sandbox, authorization_code, exchange):
    sandbox.set_knobs(code_ttl=0)

    response = exchange(authorization_code())

    assert response.json()["error"] == "invalid_grant"


def test_the_token_request_must_repeat_the_redirect_uri(authorization_code, exchange):
    response = exchange(authorization_code(), redirect_uri="http://127.0.0.1:9999/elsewhere/")

    assert response.json()["error"] == "invalid_grant"


def test_cancel_sends_the_user_back_with_user_cancelled_authorize(sandbox, authorize_url):
    location = sandbox.consent(authorize_url(state="s-1"), action="cancel")

    assert location.startswith(CALLBACK_URL)
    query = query_of(location)
    assert query["error"] == "user_cancelled_authorize"
    assert query["error_description"]
    assert query["state"] == "s-1"


def test_allow_sends_the_code_and_state_to_the_callback(sandbox, authorize_url):
    location = sandbox.consent(authorize_url(state="s-2"))

    assert location.startswith(CALLBACK_URL)
    assert query_of(location)["state"] == "s-2"
    assert query_of(location)["code"]


@pytest.mark.parametrize(
    "redirect_uri",
    ["http://testserver/auth/callback/", "http://localhost:43210/auth/callback/"],
)
def test_registered_redirect_uris_are_accepted(sandbox, authorize_url, redirect_uri):
    location = sandbox.consent(authorize_url(redirect_uri=redirect_uri))

    assert location.startswith(redirect_uri)


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "http://evil.example/auth/callback/"},
        {"redirect_uri": "http://127.0.0.1:8000/other/path/"},
        {"redirect_uri": None},
    ],
)
def test_a_bad_client_or_redirect_uri_gets_an_error_page_never_a_redirect(
    sandbox, authorize_url, overrides
):
    response = requests.get(authorize_url(**overrides), allow_redirects=False, timeout=10)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "text/html" in response.headers["Content-Type"]


def test_an_unknown_scope_is_refused_like_linkedin_does(sandbox, authorize_url):
    response = requests.get(
        authorize_url(scope="openid r_everything"), allow_redirects=False, timeout=10
    )

    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == "unauthorized_scope_error"


def test_the_consent_page_names_the_app_the_scopes_and_every_member(sandbox, authorize_url):
    page = requests.get(authorize_url(), timeout=10).text

    assert "Address Book for LinkedIn" in page
    assert CONTACTS_SCOPE in page
    for member in sandbox.members():
        assert f'value="{member["key"]}"' in page
        assert member["description"] in page
    assert "<script" not in page


def test_the_member_without_the_contacts_permission_does_not_get_the_scope(sign_in):
    tokens = sign_in("noperm")

    assert CONTACTS_SCOPE not in tokens["scope"].split()
    assert "openid" in tokens["scope"].split()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, create_s256_code_challenge(verifier)


def test_discovery_offers_pkce_s256_unless_the_pkce_knob_is_off(sandbox):
    assert discovery(sandbox)["code_challenge_methods_supported"] == ["S256"]
    sandbox.set_knobs(pkce="off")
    assert "code_challenge_methods_supported" not in discovery(sandbox)


def test_a_code_issued_for_a_challenge_is_exchanged_only_with_its_verifier(
    authorization_code, exchange
):
    verifier, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    code = authorization_code(code_challenge=challenge, code_challenge_method="S256")
    wrong = exchange(code, code_verifier=other_verifier)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    code = authorization_code(code_challenge=challenge, code_challenge_method="S256")
    missing = exchange(code)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"

    code = authorization_code(code_challenge=challenge, code_challenge_method="S256")
    right = exchange(code, code_verifier=verifier)
    assert right.status_code == 200, right.text
    assert right.json()["id_token"]


def test_a_verifier_for_a_code_issued_without_a_challenge_is_refused(authorization_code, exchange):
    verifier, _ = pkce_pair()
    response = exchange(authorization_code(), code_verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("method", ["plain", None])
def test_only_the_s256_challenge_method_is_offered(sandbox, authorize_url, method):
    _, challenge = pkce_pair()
    url = authorize_url(code_challenge=challenge, code_challenge_method=method, state="s-9")
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query["error"] == "invalid_request"
    assert query["state"] == "s-9"


def test_with_pkce_off_a_challenge_is_ignored_as_linkedin_does(
    sandbox, authorization_code, exchange
):
    sandbox.set_knobs(pkce="off")
    _, challenge = pkce_pair()
    code = authorization_code(code_challenge=challenge, code_challenge_method="S256")
    response = exchange(code)
    assert response.status_code == 200, response.text
