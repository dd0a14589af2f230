from __future__ import annotations

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing

from mail.models import MailPreference

# Names in a digest at most; the changes page has the rest.
DIGEST_NAMES_LIMIT = 10


class DigestNames(NamedTuple):
    new: list[str]
    changed: list[str]


def mail_preference_get(*, user: AbstractBaseUser) -> MailPreference:
    """Return the member's preference, unsaved defaults when they never chose."""
    return MailPreference.objects.filter(user=user).first() or MailPreference(user=user)


def linkedin_account_of(*, user: AbstractBaseUser):
    from contactsapp.models import LinkedInAccount

    return LinkedInAccount.objects.filter(user=user).first()


def address_of(*, user: AbstractBaseUser) -> str:
    account = linkedin_account_of(user=user)
    return (account.email if account and account.email else user.email) or ""


def name_of(*, user: AbstractBaseUser) -> str:
    account = linkedin_account_of(user=user)
    return (account.name if account else "") or user.get_full_name()


def digest_names(*, task) -> DigestNames:
    """Return the first names new and changed in the export, for a member who chose names."""
    from exports.selectors import export_changes

    changes = export_changes(task=task, limit=DIGEST_NAMES_LIMIT)
    if changes is None:
        return DigestNames([], [])
    return DigestNames(
        new=[_label(contact) for contact in changes.new],
        changed=[_label(change.contact) for change in changes.changed],
    )


def _label(contact) -> str:
    return contact.name or contact.email or contact.phone or "(no name)"


def user_for_unsubscribe_token(*, token: str, salt: str) -> AbstractBaseUser | None:
    """Return the member a signed unsubscribe token names, None for a bad or stale one."""
    try:
        payload = signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict):
        return None
    user = get_user_model().objects.filter(pk=payload.get("u")).first()
    if user is None or int(user.date_joined.timestamp()) != payload.get("j"):
        return None
    return user
