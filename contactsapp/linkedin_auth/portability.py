"""LinkedIn's Member Data Portability product, through authlib: a second registered
application, with its own consent (scope `r_dma_portability_3rd_party`), whose access token
reads the member's snapshot (`enrichment/portability.py`). Plain OAuth 2.0: no ID token,
nobody signed in.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from contactsapp.linkedin_auth.sign_in import CANCELLED_ERRORS, UNREACHABLE_MESSAGE, SignInError

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _portability_client(
    discovery_url: str, client_id: str, client_secret: str, scope: str, timeout: float
):
    oauth = OAuth()
    return oauth.register(
        "linkedin_portability",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=discovery_url,
        client_kwargs={
            "scope": scope,
            "token_endpoint_auth_method": "client_secret_post",
            "default_timeout": timeout,
        },
    )


def portability_configured() -> bool:
    """True when the Member Data Portability application's id and secret are set."""
    return bool(
        settings.LINKEDIN_PORTABILITY_CLIENT_ID and settings.LINKEDIN_PORTABILITY_CLIENT_SECRET
    )


def _portability() -> DjangoOAuth2App:
    return _portability_client(
        settings.LINKEDIN_OIDC_DISCOVERY_URL,
        settings.LINKEDIN_PORTABILITY_CLIENT_ID,
        settings.LINKEDIN_PORTABILITY_CLIENT_SECRET,
        settings.LINKEDIN_PORTABILITY_SCOPE,
        settings.LINKEDIN_TIMEOUT,
    )


def portability_redirect(request: HttpRequest, *, redirect_uri: str) -> HttpResponse:
    """Answer a redirect to LinkedIn's consent page of the portability application; raise
    `SignInError` if LinkedIn cannot be reached.
    """
    try:
        return _portability().authorize_redirect(request, redirect_uri)
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        logger.warning(
            "event=portability_consent_failed step=discovery error=%s", type(error).__name__
        )
        raise SignInError("unreachable", str(UNREACHABLE_MESSAGE)) from error


def portability_token(request: HttpRequest) -> str:
    """Exchange the portability callback's code for its access token; raise `SignInError`
    (cancelled, a state that does not match, LinkedIn's refusal or silence)."""
    error = request.GET.get("error")
    if error in CANCELLED_ERRORS:
        raise SignInError("cancelled", _("You cancelled on LinkedIn: nothing was fetched."))
    if error:
        raise SignInError(
            "denied", _("LinkedIn did not give this permission: nothing was fetched.")
        )
    try:
        token = _portability().authorize_access_token(request)
    except MismatchingStateError as mismatch:
        raise SignInError("state", _("This link is no longer valid: start again.")) from mismatch
    except (OAuthError, AuthlibBaseError, requests.RequestException, ValueError) as failure:
        logger.warning(
            "event=portability_consent_failed step=token error=%s", type(failure).__name__
        )
        raise SignInError("unreachable", str(UNREACHABLE_MESSAGE)) from failure
    access_token = token.get("access_token") if isinstance(token, dict) else None
    # LinkedIn lists the scopes granted (comma-separated); a token without the one asked
    # for cannot read the snapshot.
    granted = str(token.get("scope", "")).replace(",", " ").split() if access_token else []
    if not access_token or (granted and settings.LINKEDIN_PORTABILITY_SCOPE not in granted):
        raise SignInError(
            "denied", _("LinkedIn did not give this permission: nothing was fetched.")
        )
    return access_token
