"""Renewing a member's access token with their refresh token (OAuth 2.0's refresh grant),
through the sign-in's own authlib client."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import requests
from authlib.integrations.base_client import OAuthError

from contactsapp.linkedin_auth.sign_in import linkedin_client, token_expiry

logger = logging.getLogger(__name__)


class TokenRenewalError(Exception):
    """LinkedIn did not renew the access token; `retryable` says whether later may help."""

    def __init__(self, code: str, *, retryable: bool):
        super().__init__(code)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class RenewedToken:
    access_token: str
    token_expires_at: datetime | None
    scopes: str
    # LinkedIn may hand out a new refresh token; "" keeps the one we hold.
    refresh_token: str
    refresh_token_expires_at: datetime | None


def access_token_renew(*, refresh_token: str, scopes: str) -> RenewedToken:
    """Exchange `refresh_token` for a new access token (OAuth 2.0's refresh grant).

    Raise `TokenRenewalError`: not retryable when LinkedIn refuses the refresh token
    (revoked, expired: the member must sign in again), retryable when it could not be
    reached or answered garbage.
    """
    try:
        token = linkedin_client().fetch_access_token(
            grant_type="refresh_token", refresh_token=refresh_token
        )
    except OAuthError as error:
        logger.warning("event=token_renewal_failed error=%r", error.error)
        raise TokenRenewalError(error.error or "oauth", retryable=False) from error
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        logger.warning("event=token_renewal_failed error=%s", type(error).__name__)
        raise TokenRenewalError("unreachable", retryable=True) from error
    if not isinstance(token, dict) or not token.get("access_token"):
        raise TokenRenewalError("no_access_token", retryable=True)
    return RenewedToken(
        access_token=str(token["access_token"]),
        token_expires_at=token_expiry(token.get("expires_in")),
        scopes=str(token.get("scope") or scopes),
        refresh_token=str(token.get("refresh_token") or ""),
        refresh_token_expires_at=token_expiry(token.get("refresh_token_expires_in")),
    )
