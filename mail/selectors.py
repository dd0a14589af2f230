from __future__ import annotations

from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser

from contactsapp.models import LinkedInAccount
from exports.models import Contact, ExportTask
from exports.selectors import export_changes
from mail.models import MailPreference

# Names in a digest at most; the changes page has the rest.
DIGEST_NAMES_LIMIT = 10


class DigestNames(NamedTuple):
    new: list[str]
    changed: list[str]


def mail_preference_get(*, user: AbstractBaseUser) -> MailPreference:
    """Return the member's preference, unsaved defaults when they never chose."""
    return MailPreference.objects.filter(user=user).first() or MailPreference(user=user)


def linkedin_account_of(*, user: AbstractBaseUser) -> LinkedInAccount | None:
    return LinkedInAccount.objects.filter(user=user).first()


class Recipient(NamedTuple):
    """Whom a message is written to, read once for the message."""

    address: str
    name: str
    # The language the member's e-mail is written in: their saved one, "" if none.
    language: str


def recipient_of(*, user: AbstractBaseUser) -> Recipient:
    """Return the member's address, name and language, from their LinkedIn account where
    it has them, else from their Django user."""
    account = linkedin_account_of(user=user)
    return Recipient(
        address=(account.email if account and account.email else user.email) or "",
        name=(account.name if account else "") or user.get_full_name(),
        language=(account.language if account else "") or "",
    )


def address_of(*, user: AbstractBaseUser) -> str:
    return recipient_of(user=user).address


def digest_names(*, task: ExportTask) -> DigestNames:
    """Return the first names new and changed in the export, for a member who chose names."""
    changes = export_changes(task=task, limit=DIGEST_NAMES_LIMIT)
    if changes is None:
        return DigestNames([], [])
    return DigestNames(
        new=[_label(contact) for contact in changes.new],
        changed=[_label(change.contact) for change in changes.changed],
    )


def _label(contact: Contact) -> str:
    return contact.name or contact.email or contact.phone or "(no name)"
