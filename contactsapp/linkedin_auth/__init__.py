"""LinkedIn's OAuth 2.0 and OpenID Connect, through authlib's Django client.

This is the only package that knows authlib, one module per flow:
- `sign_in`: Sign In with LinkedIn (OpenID Connect): the redirect with `state`, `nonce`
  and PKCE where offered, the callback turned into a verified `LinkedInIdentity` or a
  `SignInError` a member can act on;
- `renewal`: a member's access token renewed with their refresh token;
- `portability`: the Member Data Portability application's own consent and token.

The rest of the project imports from here.
"""

from contactsapp.linkedin_auth.portability import (
    portability_configured,
    portability_redirect,
    portability_token,
)
from contactsapp.linkedin_auth.renewal import RenewedToken, TokenRenewalError, access_token_renew
from contactsapp.linkedin_auth.sign_in import (
    LinkedInIdentity,
    SignInError,
    complete_sign_in,
    linkedin_client,
    offers_pkce_s256,
    redirect_to_linkedin,
)

__all__ = [
    "LinkedInIdentity",
    "RenewedToken",
    "SignInError",
    "TokenRenewalError",
    "access_token_renew",
    "complete_sign_in",
    "linkedin_client",
    "offers_pkce_s256",
    "portability_configured",
    "portability_redirect",
    "portability_token",
    "redirect_to_linkedin",
]
