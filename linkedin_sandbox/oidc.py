"""Sign In with LinkedIn using OpenID Connect: discovery, JWKS, consent, token and userinfo."""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkedin_sandbox.bearer import bearer_token, require_scope
from linkedin_sandbox.endpoints import linkedin_endpoint
from linkedin_sandbox.members import MEMBERS, member_by_sub, member_get
from linkedin_sandbox.oauth_server import (
    OIDC_SCOPES,
    authorization_server,
    issuer,
    jwks,
    member_claims,
    pkce_offered,
)
from linkedin_sandbox.store import sandbox_store

# What the consent page says each scope lets the app do.
_SCOPE_DESCRIPTIONS = {
    "openid": "Sign you in with your LinkedIn account",
    "profile": "Use your name and photo",
    "email": "Use the primary email address associated with your LinkedIn account",
}

# The form's own fields, posted next to the OAuth parameters.
_CONSENT_FIELDS = {"member", "action"}


@require_GET
@linkedin_endpoint("discovery")
def discovery(request: HttpRequest) -> JsonResponse:
    api = settings.SANDBOX_API_URL
    return JsonResponse(
        {
            "issuer": issuer(),
            "authorization_endpoint": f"{settings.SANDBOX_PUBLIC_URL}/oauth/v2/authorization",
            "token_endpoint": f"{api}/oauth/v2/accessToken",
            "userinfo_endpoint": f"{api}/v2/userinfo",
            "jwks_uri": f"{api}/oauth/openid/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": OIDC_SCOPES,
            "claims_supported": [
                "iss",
                "aud",
                "iat",
                "exp",
                "sub",
                "name",
                "given_name",
                "family_name",
                "picture",
                "email",
                "email_verified",
                "locale",
            ],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            # RFC 8414's way of offering PKCE; LinkedIn's document (pkce="off") has no such key.
            **({"code_challenge_methods_supported": ["S256"]} if pkce_offered() else {}),
        }
    )


@require_GET
@linkedin_endpoint("jwks")
def jwks_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(jwks())


@require_http_methods(["GET", "POST"])
@linkedin_endpoint("authorize")
def authorize(request: HttpRequest) -> HttpResponse:
    """Show the consent page (GET), then answer the person's choice (POST)."""
    try:
        grant = authorization_server.get_consent_grant(request)
    except OAuth2Error as error:
        return _authorization_error(request, error)

    if request.method == "GET":
        return _consent_page(request, grant)

    if request.POST.get("action") == "cancel":
        params = [
            ("error", "user_cancelled_authorize"),
            ("error_description", "The user cancelled the authorization"),
        ]
        if grant.request.payload.state:
            params.append(("state", grant.request.payload.state))
        return HttpResponseRedirect(add_params_to_uri(grant.redirect_uri, params))

    member = member_get(request.POST.get("member"))
    if member is None or request.POST.get("action") != "allow":
        return _consent_page(request, grant, problem="Choose a member, then Allow or Cancel.")
    if _fresh_consent(grant) and settings.SANDBOX_CONTACTS_SCOPE in _scopes(grant):
        # Allowing on a page that asked for every permission again grants the Contacts
        # permission, even to a member who had not granted it (the `noperm` member).
        sandbox_store.contacts_grant(member.key)
    return authorization_server.create_authorization_response(
        request, grant_user=member, grant=grant
    )


def _authorization_error(request: HttpRequest, error: OAuth2Error) -> HttpResponse:
    if error.redirect_uri:
        # The application and its redirect URI are known: tell the application, as OAuth says.
        return authorization_server.handle_error_response(request, error)
    # An unknown client or an unregistered redirect URI: never redirect anywhere.
    return render(
        request,
        "linkedin_sandbox/error.html",
        {"error": error.error, "description": error.description},
        status=400,
    )


def _scopes(grant) -> list[str]:
    scope = grant.request.payload.scope
    return scope.split() if scope else []


def _fresh_consent(grant) -> bool:
    """True when the application asked for OpenID Connect's `prompt=consent`."""
    return "consent" in (grant.request.payload.data.get("prompt") or "").split()


def _consent_page(request: HttpRequest, grant, problem: str = "") -> HttpResponse:
    payload = grant.request.payload
    scopes = _scopes(grant)
    # OpenID Connect's login_hint: the member the application expects (it sends their `sub`).
    hinted = member_by_sub(payload.data.get("login_hint") or "")
    chosen = request.POST.get("member") or (hinted.key if hinted else next(iter(MEMBERS)))
    return render(
        request,
        "linkedin_sandbox/consent.html",
        {
            "app_name": settings.SANDBOX_APP_NAME,
            # The bare path: the OAuth parameters travel as hidden fields, and authlib refuses
            # a parameter that comes twice (query string and form).
            "action": request.path,
            "scopes": [(scope, _scope_description(scope)) for scope in scopes],
            "members": MEMBERS.values(),
            "chosen": chosen,
            "oauth_params": [
                (name, value) for name, value in payload.data.items() if name not in _CONSENT_FIELDS
            ],
            "redirect_host": grant.redirect_uri.split("/")[2],
            "problem": problem,
            "fresh_consent": _fresh_consent(grant),
        },
        status=400 if problem else 200,
    )


def _scope_description(scope: str) -> str:
    if scope == settings.SANDBOX_CONTACTS_SCOPE:
        return "Export your contacts: connections and imported address books"
    return _SCOPE_DESCRIPTIONS.get(scope, scope)


@require_POST
@linkedin_endpoint("token")
def token(request: HttpRequest) -> HttpResponse:
    return authorization_server.create_token_response(request)


@require_GET
@linkedin_endpoint("userinfo")
def userinfo(request: HttpRequest) -> JsonResponse:
    access_token = bearer_token(request)
    require_scope(access_token, "openid", "GET /userinfo")
    member = member_get(access_token.member_key)
    return JsonResponse(member_claims(member, access_token.scope))
