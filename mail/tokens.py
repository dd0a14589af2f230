"""The signed token of the unsubscribe link: it names the member, needs no sign-in, and
cannot be made for another member without SECRET_KEY (or one of SECRET_KEY_FALLBACKS, so
links in e-mail already sent survive a key rotation).

The member's join time is signed too, so a link never matches a later account that
reuses an id.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing

_SALT = "mail.unsubscribe"


def unsubscribe_token(*, user: AbstractBaseUser) -> str:
    joined = int(user.date_joined.timestamp())
    return signing.Signer(salt=_SALT).sign_object({"u": user.pk, "j": joined})


def unsubscribe_token_user(*, token: str) -> AbstractBaseUser | None:
    """Return the member the token names; None for a bad signature or a member gone."""
    try:
        payload = signing.Signer(salt=_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict):
        return None
    user = get_user_model().objects.filter(pk=payload.get("u")).first()
    if user is None or int(user.date_joined.timestamp()) != payload.get("j"):
        return None
    return user
