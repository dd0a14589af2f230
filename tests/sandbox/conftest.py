"""Helpers for the sandbox's own tests: play the app's side of sign-in by hand, with requests."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

CLIENT_ID = "contactsapp-sandbox"
CLIENT_SECRET = "sandbox-secret"
CALLBACK_URL = "http://127.0.0.1:8000/auth/callback/"
CONTACTS_SCOPE = "r_contacts"
ALL_SCOPES = f"openid profile email {CONTACTS_SCOPE}"
RESTLI = {"X-Restli-Protocol-Version": "2.0.0"}


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def authorize_url(sandbox) -> Callable[..., str]:
    """Build an authorization URL as the app would; a parameter set to None is left out."""

    def build(**overrides) -> str:
        params = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": CALLBACK_URL,
            "scope": ALL_SCOPES,
            "state": "state-123",
            "nonce": "nonce-456",
            **overrides,
        }
        params = {name: value for name, value in params.items() if value is not None}
        return f"{sandbox.url}/oauth/v2/authorization?{urlencode(params)}"

    return build


@pytest.fixture
def authorization_code(sandbox, authorize_url) -> Callable[..., str]:
    """Consent as ``member`` and return the code the callback receives."""

    def obtain(member: str = "typical", **overrides) -> str:
        location = sandbox.consent(authorize_url(**overrides), member=member)
        return query_of(location)["code"]

    return obtain


@pytest.fixture
def exchange(sandbox) -> Callable[..., requests.Response]:
    """POST a code to the token endpoint with client_secret_post; extra fields override."""

    def post(code: str, **fields) -> requests.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK_URL,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **fields,
        }
        data = {name: value for name, value in data.items() if value is not None}
        return requests.post(f"{sandbox.url}/oauth/v2/accessToken", data=data, timeout=10)

    return post


@pytest.fixture
def sign_in(authorization_code, exchange) -> Callable[..., dict]:
    """Run the whole code flow for ``member``; return the token response."""

    def run(member: str = "typical", **overrides) -> dict:
        response = exchange(authorization_code(member, **overrides))
        assert response.status_code == 200, response.text
        return response.json()

    return run


@pytest.fixture
def api(sandbox) -> Callable[..., requests.Response]:
    """Call a LinkedIn REST path with a bearer token and the Rest.li header."""

    def call(method: str, path: str, access_token: str, *, restli: bool = True, **kwargs):
        headers = {"Authorization": f"Bearer {access_token}", **(RESTLI if restli else {})}
        return requests.request(
            method, f"{sandbox.url}{path}", headers=headers, timeout=30, **kwargs
        )

    return call


@pytest.fixture
def start_export(api) -> Callable[[str], str]:
    """Start an export with the token; return the task id."""

    def start(access_token: str) -> str:
        response = api("POST", "/v2/contactExporterTasks", access_token)
        assert response.status_code == 201, response.text
        return response.headers["x-linkedin-id"]

    return start
