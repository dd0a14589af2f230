"""The sandbox's refresh tokens: off as for most LinkedIn applications, on by a knob."""

from __future__ import annotations

import requests

from .conftest import CLIENT_ID, CLIENT_SECRET, CONTACTS_SCOPE, RESTLI


def renew(sandbox, refresh_token: str, **extra) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/oauth/v2/accessToken",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **extra,
        },
        timeout=10,
    )


def test_no_refresh_token_and_no_refresh_grant_by_default(sandbox, sign_in):
    tokens = sign_in("typical")
    assert "refresh_token" not in tokens
    answer = renew(sandbox, "AQX-anything")
    assert answer.status_code == 400
    assert answer.json()["error"] == "unauthorized_client"


def test_with_the_knob_a_refresh_token_buys_short_lived_access_tokens(sandbox, sign_in):
    sandbox.set_knobs(token_ttl=30, refresh_token_ttl=3600)
    tokens = sign_in("typical")
    assert tokens["expires_in"] == 30
    assert tokens["refresh_token_expires_in"] == 3600
    refresh_token = tokens["refresh_token"]

    renewed = renew(sandbox, refresh_token).json()
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["expires_in"] == 30
    assert set(renewed["scope"].split()) == {"openid", "profile", "email", CONTACTS_SCOPE}
    assert "refresh_token" not in renewed  # LinkedIn keeps the one it gave
    started = requests.post(
        f"{sandbox.url}/v2/contactExporterTasks",
        headers={"Authorization": f"Bearer {renewed['access_token']}", **RESTLI},
        timeout=10,
    )
    assert started.status_code == 201
    # Reusable until it ends.
    assert renew(sandbox, refresh_token).status_code == 200


def test_a_revoked_or_unknown_refresh_token_is_refused(sandbox, sign_in):
    sandbox.set_knobs(refresh_token_ttl=3600)
    refresh_token = sign_in("typical")["refresh_token"]
    assert renew(sandbox, "AQX-not-one-of-ours").json()["error"] == "invalid_grant"
    sandbox.revoke("typical")
    answer = renew(sandbox, refresh_token)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_the_refresh_grant_takes_client_credentials_in_the_body_only(sandbox, sign_in):
    sandbox.set_knobs(refresh_token_ttl=3600)
    refresh_token = sign_in("typical")["refresh_token"]
    answer = requests.post(
        f"{sandbox.url}/oauth/v2/accessToken",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert answer.status_code in (400, 401) and answer.json()["error"] == "invalid_client"
