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


def address_of(*, user: AbstractBaseUser) -> str:
    account = linkedin_account_of(user=user)
    return (account.email if account and account.email else user.email) or ""


def language_of(*, user: AbstractBaseUser) -> str:
    """The language the member's e-mail is written in: their saved one, "" if none."""
    account = linkedin_account_of(user=user)
    return (account.language if account else "") or ""


def name_of(*, user: AbstractBaseUser) -> str:
    account = linkedin_account_of(user=user)
    return (account.name if account else "") or user.get_full_name()


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
