"""Bearer-token checks shared by userinfo and the Contacts API."""

from __future__ import annotations

import time

from django.http import HttpRequest

from linkedin_sandbox.errors import LinkedInApiError
from linkedin_sandbox.store import AccessToken, sandbox_store


def bearer_token(request: HttpRequest) -> AccessToken:
    """Return the request's valid access token; raise LinkedIn's 401 otherwise."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise LinkedInApiError(401, "Empty oauth2 access token")
    access_token = sandbox_store.token_get(value.strip())
    # Unknown, expired and revoked tokens get the same answer, as on LinkedIn.
    if access_token is None or not access_token.is_usable(time.time()):
        raise LinkedInApiError(401)
    return access_token


def require_scope(access_token: AccessToken, scope: str, resource: str) -> None:
    """Raise LinkedIn's 403 unless the token carries ``scope``; ``resource`` names the call."""
    if scope not in access_token.scopes:
        raise LinkedInApiError(403, f"Not enough permissions to access: {resource}")
