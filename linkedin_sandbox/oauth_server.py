"""authlib's authorization server, configured to behave like LinkedIn's.

One registered application (the app under test), codes and tokens in the in-memory store,
client credentials only in the POST body, no refresh tokens, RS256 ID tokens, and LinkedIn's
quirks (see the shared notes on LinkedIn's API): HTTP Basic answers ``invalid_client``, and the
ID token leaves out the nonce unless the ``id_token_nonce`` knob says otherwise.

PKCE follows the ``pkce`` knob. By default the sandbox offers S256 as a standards provider does
(RFC 7636, authlib's ``CodeChallenge``), so a code can only be exchanged by the sign-in that asked
for it; with ``pkce="off"`` it behaves as LinkedIn is reported to for web applications: PKCE is
not advertised and a ``code_verifier`` answers ``invalid_client``.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode
from django.conf import settings
from joserfc.jwk import KeySet, RSAKey

from linkedin_sandbox.members import Member, member_get
from linkedin_sandbox.refresh_grant import (
    LinkedInRefreshGrant,
    refresh_grant_allowed,
    refresh_token_generate,
    refresh_token_kept,
)
from linkedin_sandbox.store import AccessToken, AuthorizationCode, linkedin_id, sandbox_store

# The ID-token signing key lives as long as the process; its kid lets clients pick it from JWKS.
SIGNING_KEY = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)

# What LinkedIn's discovery document lists; the Contacts scope is granted per application.
OIDC_SCOPES = ["openid", "profile", "email"]


def issuer() -> str:
    return f"{settings.SANDBOX_PUBLIC_URL}/oauth"


def pkce_offered() -> bool:
    return sandbox_store.knobs.pkce == "s256"


def jwks() -> dict:
    return KeySet([SIGNING_KEY]).as_dict(private=False)


def member_claims(member: Member, scope: str) -> dict:
    """Return what LinkedIn tells about the member for ``scope`` (ID token and userinfo)."""
    scopes = set(scope_to_list(scope) or [])
    claims: dict = {"sub": member.sub}
    if "profile" in scopes:
        claims.update(
            name=member.name,
            given_name=member.given_name,
            family_name=member.family_name,
            picture=f"{settings.SANDBOX_PUBLIC_URL}{member.avatar_path}",
            # LinkedIn's quirk: an object, not the BCP 47 string OIDC specifies (the knob
            # `locale_format` sends the string, as standard providers do).
            locale=_locale_claim(member.locale),
        )
    if "email" in scopes:
        claims.update(email=member.email, email_verified=True)
    return claims


def _locale_claim(locale: dict[str, str]) -> dict[str, str] | str:
    if sandbox_store.knobs.locale_format == "string":
        return f"{locale['language']}-{locale['country']}"
    return dict(locale)


class RegisteredApp(ClientMixin):
    """The one application registered with the sandbox: the app under test."""

    def __init__(self, client_id: str, client_secret: str, redirect_uris: list[str]):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri_patterns = [_redirect_uri_pattern(uri) for uri in redirect_uris]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # LinkedIn requires redirect_uri on every authorization request.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        return scope or None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return any(pattern.fullmatch(redirect_uri) for pattern in self.redirect_uri_patterns)

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_post"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        # "refresh_token" only with the refresh_token_ttl knob: LinkedIn gives refresh
        # tokens only to some approved partners.
        return grant_type == "authorization_code" or refresh_grant_allowed(grant_type)


def _redirect_uri_pattern(uri: str) -> re.Pattern:
    """Compile a registered redirect URI; ``*`` stands for any port (apps run on random ports)."""
    return re.compile(r"\d+".join(re.escape(part) for part in uri.split("*")))


class UnauthorizedScopeError(InvalidScopeError):
    # LinkedIn's name for a scope the application may not ask for.
    error = "unauthorized_scope_error"


class LinkedInCodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]

    def authenticate_token_endpoint_client(self) -> RegisteredApp:
        authorization = self.request.headers.get("Authorization", "")
        if authorization.lower().startswith("basic "):
            raise InvalidClientError(
                status_code=401,
                description="Client authentication failed: send client_id and client_secret "
                "in the request body",
            )
        if "code_verifier" in self.request.form and not pkce_offered():
            # LinkedIn answers PKCE from a web (confidential) application this way.
            raise InvalidClientError(description="Client authentication failed")
        return super().authenticate_token_endpoint_client()

    def save_authorization_code(self, code: str, request) -> None:
        member: Member = request.user
        scopes = scope_to_list(request.scope) or []
        if not member.has_contacts_permission and not sandbox_store.contacts_granted(member.key):
            scopes = [scope for scope in scopes if scope != settings.SANDBOX_CONTACTS_SCOPE]
        now = time.time()
        # Where PKCE is not offered, LinkedIn ignores a code_challenge: nothing binds the code.
        challenge = request.payload.data.get("code_challenge") if pkce_offered() else None
        sandbox_store.code_save(
            AuthorizationCode(
                code=code,
                client_id=request.client.get_client_id(),
                redirect_uri=request.payload.redirect_uri,
                scope=" ".join(scopes),
                member_key=member.key,
                nonce=request.payload.data.get("nonce"),
                issued_at=now,
                expires_at=now + sandbox_store.knobs.code_ttl,
                code_challenge=challenge,
                code_challenge_method=request.payload.data.get("code_challenge_method")
                if challenge
                else None,
            )
        )

    def query_authorization_code(self, code: str, client: RegisteredApp):
        found = sandbox_store.code_take(code, now=time.time())
        if found is None or found.client_id != client.get_client_id():
            return None
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Already gone: query_authorization_code took it out of the store in one locked step,
        # so two concurrent exchanges of one code cannot both succeed.
        pass

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Member | None:
        return member_get(authorization_code.member_key)


class SandboxCodeChallenge(CodeChallenge):
    """PKCE with S256 only (``plain`` protects nothing against a code seen in transit).

    A code issued for a ``code_challenge`` is exchanged only with the matching
    ``code_verifier`` (``invalid_grant`` otherwise), and a ``code_verifier`` for a code issued
    without a challenge is refused (RFC 9700 section 4.8). The ``pkce`` knob turns it off.
    """

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri) -> None:
        if not pkce_offered():
            return
        data = grant.request.payload.data
        # Without a method RFC 7636 means "plain", which is not offered.
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method': only S256 is offered")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result) -> None:
        if pkce_offered():
            super().validate_code_verifier(grant, result)


class LinkedInOpenIDCode(OpenIDCode):
    def __init__(self):
        super().__init__(require_nonce=False)

    def exists_nonce(self, nonce: str, request) -> bool:
        # LinkedIn does not reject a reused nonce; checking it is left to the app.
        return False

    def resolve_client_private_key(self, client: RegisteredApp) -> RSAKey:
        return SIGNING_KEY

    def get_client_algorithm(self, client: RegisteredApp) -> str:
        return "RS256"

    def get_encode_header(self, client: RegisteredApp) -> dict:
        return {"alg": "RS256", "kid": SIGNING_KEY.kid}

    def get_client_claims(self, client: RegisteredApp) -> dict:
        return {"iss": issuer(), "aud": client.get_client_id()}

    def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> dict:
        claims = super().get_authorization_code_claims(authorization_code)
        policy = sandbox_store.knobs.id_token_nonce
        if policy == "echo" and authorization_code.nonce:
            claims["nonce"] = authorization_code.nonce
        elif policy == "wrong":
            claims["nonce"] = f"not-the-nonce-you-sent-{secrets.token_urlsafe(8)}"
        return claims

    def generate_user_info(self, user: Member, scope: str) -> dict:
        return member_claims(user, scope)


class SandboxAuthorizationServer(AuthorizationServer):
    def __init__(self):
        super().__init__(client_model=None, token_model=None)
        self.app = RegisteredApp(
            settings.SANDBOX_CLIENT_ID,
            settings.SANDBOX_CLIENT_SECRET,
            settings.SANDBOX_REDIRECT_URIS,
        )
        # LinkedIn's Member Data Portability product: a second application, its own consent.
        self.portability_app = RegisteredApp(
            settings.SANDBOX_PORTABILITY_CLIENT_ID,
            settings.SANDBOX_PORTABILITY_CLIENT_SECRET,
            [
                uri.replace("/auth/callback/", "/auth/portability/callback/")
                for uri in settings.SANDBOX_REDIRECT_URIS
            ],
        )
        self.scopes_supported = [
            *OIDC_SCOPES,
            settings.SANDBOX_CONTACTS_SCOPE,
            settings.SANDBOX_PORTABILITY_SCOPE,
        ]
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: linkedin_id("AQV", 120),
                expires_generator=lambda client, grant_type: sandbox_store.knobs.token_ttl,
                refresh_token_generator=refresh_token_generate,
            ),
        )
        self.register_grant(LinkedInCodeGrant, [LinkedInOpenIDCode(), SandboxCodeChallenge()])
        self.register_grant(LinkedInRefreshGrant)

    def query_client(self, client_id: str) -> RegisteredApp | None:
        apps = {app.client_id: app for app in (self.app, self.portability_app)}
        return apps.get(client_id)

    def save_token(self, token: dict, request) -> None:
        sandbox_store.token_save(
            AccessToken(
                token=token["access_token"],
                client_id=request.client.get_client_id(),
                member_key=request.user.key,
                scope=token.get("scope", ""),
                expires_at=time.time() + token["expires_in"],
            )
        )
        refresh_token_kept(token, request)

    def validate_requested_scope(self, scope: str | None) -> None:
        unknown = set(scope_to_list(scope) or []) - set(self.scopes_supported)
        if unknown:
            raise UnauthorizedScopeError(
                f"Scope {', '.join(sorted(unknown))} is not authorized for your application"
            )


authorization_server = SandboxAuthorizationServer()
