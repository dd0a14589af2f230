"""Sign In with LinkedIn (OpenID Connect), through authlib's Django client.

It sends the member to LinkedIn with `state` and `nonce`, and turns the callback into a
verified `LinkedInIdentity` or a `SignInError` whose message a member can act on. authlib
checks the state, the ID token's signature, issuer, audience and expiry; we only relax
what LinkedIn is known to do differently.

The state ties the callback to the browser that started signing in; what ties the code to
that sign-in (so a code obtained for someone else cannot be slipped into it, RFC 9700
section 4.5) is PKCE, used wherever the provider's discovery document offers `S256`, and the
nonce, checked wherever the provider echoes it in the ID token. LinkedIn does neither for
web applications; the README's security section says what that leaves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc.errors import JoseError

from languages.choice import language_supported

logger = logging.getLogger(__name__)

MAX_SUB_LENGTH = 255  # LinkedInAccount.sub
CANCELLED_ERRORS = {"user_cancelled_login", "user_cancelled_authorize", "access_denied"}


class SignInError(Exception):
    """Signing in failed; `message` is written for the member, `code` for the logs."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LinkedInIdentity:
    sub: str
    name: str
    given_name: str
    family_name: str
    email: str
    picture_url: str
    access_token: str
    token_expires_at: datetime | None
    scopes: str
    # ISO 3166 country of the member's profile, the default region for their contacts' phones.
    country: str = ""
    # A code of settings.LANGUAGES that LinkedIn's `locale` names, "" when it names none.
    language: str = ""
    # Only where LinkedIn gives this application refresh tokens (some partners).
    refresh_token: str = ""
    refresh_token_expires_at: datetime | None = None


class LinkedInIDToken(CodeIDToken):
    """An ID token whose `nonce` is checked only when LinkedIn includes one.

    LinkedIn has been seen to leave the claim out even though we sent a nonce. A nonce
    that is present but wrong is still rejected, and everything else stays verified.
    """

    def validate_nonce(self) -> None:
        if "nonce" in self:
            super().validate_nonce()


@lru_cache(maxsize=8)
def _client(
    discovery_url: str,
    client_id: str,
    client_secret: str,
    scopes: str,
    timeout: float,
    pkce: bool,
):
    # Cached per configuration, so the discovery document and JWKS are fetched once, and a
    # test that points the settings elsewhere gets a client of its own.
    oauth = OAuth()
    client_kwargs = {
        "scope": scopes,
        # LinkedIn answers HTTP Basic client authentication with invalid_client.
        "token_endpoint_auth_method": "client_secret_post",
        "default_timeout": timeout,
    }
    if pkce:
        # authlib then keeps a code_verifier in the sign-in's session state and sends it with
        # the code; LinkedIn answers a code_verifier with invalid_client, so never by default.
        client_kwargs["code_challenge_method"] = "S256"
    return oauth.register(
        "linkedin",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=discovery_url,
        client_kwargs=client_kwargs,
    )


def linkedin_client(*, pkce: bool = False) -> DjangoOAuth2App:
    return _client(
        settings.LINKEDIN_OIDC_DISCOVERY_URL,
        settings.LINKEDIN_CLIENT_ID,
        settings.LINKEDIN_CLIENT_SECRET,
        settings.LINKEDIN_SCOPES,
        settings.LINKEDIN_TIMEOUT,
        pkce,
    )


def offers_pkce_s256(metadata: dict) -> bool:
    """True when a discovery document lists S256 in `code_challenge_methods_supported`."""
    methods = metadata.get("code_challenge_methods_supported")
    return isinstance(methods, list) and "S256" in methods


def redirect_to_linkedin(
    request: HttpRequest, *, redirect_uri: str, fresh_consent: bool = False, member_sub: str = ""
) -> HttpResponse:
    """Answer a redirect to LinkedIn's consent page; raise `SignInError` if unreachable.

    `fresh_consent` asks LinkedIn to show every permission again (OpenID Connect's
    `prompt=consent`), so a member who did not grant one can grant it now; `member_sub`
    tells LinkedIn who is expected (`login_hint`).
    """
    extra = {"prompt": "consent"} if fresh_consent else {}
    if member_sub:
        extra["login_hint"] = member_sub
    try:
        client = linkedin_client()
        if offers_pkce_s256(client.load_server_metadata()):
            client = linkedin_client(pkce=True)
        return client.authorize_redirect(request, redirect_uri, **extra)
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        logger.warning("event=sign_in_failed step=discovery error=%s", type(error).__name__)
        raise SignInError("unreachable", UNREACHABLE_MESSAGE) from error


UNREACHABLE_MESSAGE = gettext_lazy(
    "We could not reach LinkedIn just now: it did not answer in time or answered with an "
    "error. Please try again in a minute."
)


def complete_sign_in(request: HttpRequest) -> LinkedInIdentity:
    """Exchange the callback's code for tokens and return who signed in.

    Whichever client sent the member away, the sign-in's session state holds its nonce and,
    where PKCE was used, its code_verifier, which authlib sends with the code.
    """
    error = request.GET.get("error")
    if error in CANCELLED_ERRORS:
        raise SignInError(
            "cancelled", _("You cancelled signing in with LinkedIn, so nothing was shared.")
        )
    client = linkedin_client()
    try:
        token = client.authorize_access_token(request, claims_cls=LinkedInIDToken)
        if "userinfo" not in token:
            raise SignInError(
                "no_id_token", _("LinkedIn did not send an ID token. Please try again.")
            )
        userinfo = client.userinfo(token=token)
    except SignInError:
        raise
    except MismatchingStateError as error:
        raise SignInError(
            "state",
            _("This sign-in link has expired or was already used. Please start signing in again."),
        ) from error
    except OAuthError as error:
        # %r: the error comes from the callback's query string, so it may hold line breaks.
        logger.warning("event=sign_in_failed step=token error=%r", error.error)
        if error.error == "invalid_client":
            raise SignInError(
                "invalid_client",
                _(
                    "LinkedIn did not recognise this application (invalid_client). The site's "
                    "operator needs to check its LinkedIn client id and secret."
                ),
            ) from error
        raise SignInError(
            error.error or "oauth", _("LinkedIn refused to sign you in. Please try again.")
        ) from error
    except AuthlibBaseError as error:
        # authlib's other protocol errors, e.g. a callback that carries no code.
        logger.warning("event=sign_in_failed step=token error=%s", type(error).__name__)
        raise SignInError(
            "oauth", _("LinkedIn refused to sign you in. Please try again.")
        ) from error
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        # TypeError: a document of the wrong shape (`null`, a list) where authlib expects one.
        logger.warning("event=sign_in_failed step=token error=%s", type(error).__name__)
        raise SignInError("unreachable", UNREACHABLE_MESSAGE) from error
    except JoseError as error:
        logger.warning("event=sign_in_failed step=id_token error=%s", type(error).__name__)
        raise SignInError(
            "id_token", _("LinkedIn's answer could not be verified, so we did not sign you in.")
        ) from error
    return _identity(token, dict(token["userinfo"]), dict(userinfo))


def _identity(token: dict, id_claims: dict, userinfo: dict) -> LinkedInIdentity:
    if not 0 < len(str(id_claims.get("sub", ""))) <= MAX_SUB_LENGTH:
        raise SignInError("sub", _("LinkedIn did not identify you in a way we understand."))
    if userinfo.get("sub") not in (None, id_claims["sub"]):
        raise SignInError("sub_mismatch", _("LinkedIn's answers did not agree. Please try again."))
    profile = {**id_claims, **userinfo}  # userinfo is the fresher of the two
    return LinkedInIdentity(
        sub=str(id_claims["sub"]),
        name=str(profile.get("name") or ""),
        given_name=str(profile.get("given_name") or ""),
        family_name=str(profile.get("family_name") or ""),
        email=str(profile.get("email") or ""),
        picture_url=str(profile.get("picture") or ""),
        access_token=token["access_token"],
        token_expires_at=token_expiry(token.get("expires_in")),
        scopes=str(token.get("scope") or settings.LINKEDIN_SCOPES),
        country=_country(profile.get("locale")),
        language=_language(profile.get("locale")),
        refresh_token=str(token.get("refresh_token") or ""),
        refresh_token_expires_at=token_expiry(token.get("refresh_token_expires_in")),
    )


def _country(locale: object) -> str:
    """Return the country of LinkedIn's `locale`: an object such as `{"country": "US",
    "language": "en"}` (LinkedIn's quirk), or OIDC's string `en-US` / `en_US`; else "".
    """
    if isinstance(locale, dict):
        country = locale.get("country")
    elif isinstance(locale, str) and len(parts := locale.replace("_", "-").split("-")) > 1:
        country = parts[-1]
    else:
        country = None
    if isinstance(country, str) and len(country) == 2 and country.isascii() and country.isalpha():
        return country.upper()
    return ""


def _language(locale: object) -> str:
    """Return the supported language of LinkedIn's `locale` (`{"language": "fr", ...}`) or
    OIDC's string (`fr-FR`, `pt_BR`), "" when it names none we speak.
    """
    if isinstance(locale, dict):
        language = locale.get("language")
        country = locale.get("country")
        if isinstance(language, str) and isinstance(country, str) and country:
            return language_supported(f"{language}-{country}")
        return language_supported(language)
    return language_supported(locale)


def token_expiry(seconds: object) -> datetime | None:
    """Return when a lifetime in seconds from now ends (LinkedIn's `*_expires_in`)."""
    try:
        return timezone.now() + timedelta(seconds=int(seconds)) if seconds else None
    except (TypeError, ValueError):
        return None
