"""The accounts domain: the one owner of `LinkedInAccount` writes.

A verified LinkedIn identity becomes a Django user with an account; a token LinkedIn no
longer accepts is forgotten here; other apps read what they need through these functions.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from contactsapp.linkedin_auth import LinkedInIdentity, RenewedToken
from contactsapp.models import LinkedInAccount

EMAIL_MAX_LENGTH = 254  # RFC 5321, and EmailField's default


@transaction.atomic
def account_sign_in(*, identity: LinkedInIdentity) -> AbstractBaseUser:
    """Create or update the member's user and account, keyed by LinkedIn's `sub`."""
    account = (
        LinkedInAccount.objects.select_for_update()
        .select_related("user")
        .filter(sub=identity.sub)
        .first()
    )
    if account is None:
        user = get_user_model().objects.create_user(username=f"linkedin:{identity.sub}"[:150])
        user.set_unusable_password()
        account = LinkedInAccount(user=user, sub=identity.sub)
    user = account.user
    user.first_name = identity.given_name[:150]
    user.last_name = identity.family_name[:150]
    # An address too long to be real (or to store) is dropped rather than cut into a wrong one.
    email = identity.email if len(identity.email) <= EMAIL_MAX_LENGTH else ""
    user.email = email
    user.save()
    account.name = identity.name[:255]
    account.email = email
    account.picture_url = identity.picture_url[:2000]
    if identity.country:  # a sign-in without a locale keeps the country we knew
        account.country = identity.country
    # LinkedIn's language is taken once, while the member has chosen none: a choice made
    # with the switcher is theirs and outlives every later sign-in.
    if not account.language and identity.language:
        account.language = identity.language
    account.set_access_token(
        identity.access_token, expires_at=identity.token_expires_at, scopes=identity.scopes
    )
    if identity.refresh_token:  # a sign-in without one keeps the one we hold
        account.set_refresh_token(
            identity.refresh_token, expires_at=identity.refresh_token_expires_at
        )
    account.save()
    return user


def account_sessions_end(*, user: AbstractBaseUser) -> None:
    """End every session of the member, in every browser and device.

    Django ties a session to a hash of the user's password, which a LinkedIn member never
    uses: a new unusable one makes every earlier session invalid at its next request.
    """
    user.set_unusable_password()
    user.save(update_fields=["password"])


def account_token_forget(*, account: LinkedInAccount) -> bool:
    """Forget the access token `account` holds, unless the member has signed in again
    meanwhile (a newer token is kept); return whether it was forgotten.
    """
    forgotten = LinkedInAccount.objects.filter(
        pk=account.pk, encrypted_access_token=account.encrypted_access_token
    ).update(encrypted_access_token="", token_expires_at=None)
    return forgotten == 1


def account_refresh_token_forget(*, account: LinkedInAccount) -> None:
    """Forget the refresh token `account` holds (LinkedIn refused it), unless the member has
    signed in again meanwhile and brought another."""
    LinkedInAccount.objects.filter(
        pk=account.pk, encrypted_refresh_token=account.encrypted_refresh_token
    ).update(encrypted_refresh_token="", refresh_token_expires_at=None)
    account.encrypted_refresh_token = ""


def account_tokens_renewed_save(*, account: LinkedInAccount, renewed: RenewedToken) -> None:
    """Store the tokens a renewal gave: the access token, and the refresh token if LinkedIn
    sent a new one (the old one stays otherwise)."""
    account.set_access_token(
        renewed.access_token, expires_at=renewed.token_expires_at, scopes=renewed.scopes
    )
    update_fields = [
        "encrypted_access_token",
        "token_expires_at",
        "granted_scopes",
        "token_updated_at",
    ]
    if renewed.refresh_token:
        account.set_refresh_token(
            renewed.refresh_token, expires_at=renewed.refresh_token_expires_at
        )
        update_fields += ["encrypted_refresh_token", "refresh_token_expires_at"]
    account.save(update_fields=update_fields)


def account_country(*, user_id: int) -> str:
    """Return the member's country as their last sign-in said it, "" if unknown."""
    account = LinkedInAccount.objects.filter(user_id=user_id).only("country").first()
    return account.country if account else ""


def account_language(*, user_id: int) -> str:
    """Return the language the member chose (or LinkedIn said), "" if none."""
    account = LinkedInAccount.objects.filter(user_id=user_id).only("language").first()
    return account.language if account else ""


def account_language_save(*, user_id: int, language: str) -> None:
    """Remember the language the member chose with the switcher (a code of LANGUAGES)."""
    LinkedInAccount.objects.filter(user_id=user_id).update(language=language)
