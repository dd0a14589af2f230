"""The refresh-token grant, as LinkedIn runs it for the partners it gives refresh tokens to.

Off unless the ``refresh_token_ttl`` knob is above 0: then each code exchange also hands
out a refresh token (``refresh_token``, ``refresh_token_expires_in``), which buys new
access tokens with ``grant_type=refresh_token`` until it ends. LinkedIn keeps the same
refresh token across renewals, so no new one is given and the old one is not revoked.
"""

from __future__ import annotations

import time

from authlib.oauth2.rfc6749.grants import RefreshTokenGrant

from linkedin_sandbox.members import Member, member_get
from linkedin_sandbox.store import RefreshToken, linkedin_id, sandbox_store

GRANT_TYPE = "refresh_token"


def refresh_grant_allowed(grant_type: str) -> bool:
    """Whether the registered application may use (and is given) refresh tokens now."""
    return grant_type == GRANT_TYPE and sandbox_store.knobs.refresh_token_ttl > 0


def refresh_token_generate(**_) -> str:
    # authlib asks for one only where the client may use the grant: the knob decides.
    return linkedin_id("AQX", 120)


def refresh_token_kept(token: dict, request) -> None:
    """Keep the refresh token a code exchange handed out, and say how long it lives."""
    if "refresh_token" not in token:
        return
    ttl = sandbox_store.knobs.refresh_token_ttl
    token["refresh_token_expires_in"] = ttl
    sandbox_store.refresh_token_save(
        RefreshToken(
            token=token["refresh_token"],
            client_id=request.client.get_client_id(),
            member_key=request.user.key,
            scope=token.get("scope", ""),
            expires_at=time.time() + ttl,
        )
    )


class LinkedInRefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        return sandbox_store.refresh_token_get(refresh_token, now=time.time())

    def authenticate_user(self, refresh_token: RefreshToken) -> Member | None:
        return member_get(refresh_token.member_key)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        pass  # reused until it ends, as on LinkedIn
