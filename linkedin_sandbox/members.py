"""The demo members a person can sign in as; each one demonstrates one situation.

Their keys are a stable API (tests and the README use them); everything else about them is read
from ``GET /_sandbox/members`` rather than hard-coded elsewhere.
"""

from __future__ import annotations

import functools
import hashlib
import json
import string
from dataclasses import dataclass, field

from linkedin_sandbox import addressbook

_BASE62 = string.digits + string.ascii_letters


@dataclass(frozen=True)
class Member:
    key: str
    given_name: str
    family_name: str
    email: str
    description: str
    contact_count: int
    locale: dict[str, str] = field(default_factory=lambda: {"country": "US", "language": "en"})
    # False: the member's tokens lack the Contacts scope (API answers 403) until the member
    # allows on a fresh consent page (`prompt=consent`).
    has_contacts_permission: bool = True
    # True: the member's export tasks end FAILED.
    export_fails: bool = False
    # True: each new export task finds the book changed a little (addressbook.evolve).
    changes_between_exports: bool = False

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def sub(self) -> str:
        """Return a stable, LinkedIn-looking member id (10 base62 characters, like iQ5j0xo1FK)."""
        number = int.from_bytes(hashlib.sha256(f"linkedin-sandbox:{self.key}".encode()).digest())
        characters = []
        for _ in range(10):
            number, remainder = divmod(number, len(_BASE62))
            characters.append(_BASE62[remainder])
        return "".join(characters)

    @property
    def urn(self) -> str:
        return f"urn:li:person:{self.sub}"

    @property
    def avatar_path(self) -> str:
        return f"/media/avatars/{self.key}.svg"


MEMBERS: dict[str, Member] = {
    member.key: member
    for member in (
        Member(
            key="typical",
            given_name="Ada",
            family_name="Lovelace",
            email="ada.lovelace@example.com",
            description="A typical address book: a few hundred contacts, every awkward case in it.",
            contact_count=321,
        ),
        Member(
            key="large",
            given_name="Grace",
            family_name="Hopper",
            email="grace.hopper@example.com",
            description="A very large address book: 50,000 contacts in a single response.",
            contact_count=50_000,
        ),
        Member(
            key="changing",
            given_name="Mary",
            family_name="Somerville",
            email="mary.somerville@example.co.uk",
            description=(
                "An address book that changes between exports: each new export has a few "
                "contacts more, a few fewer, and some with a new e-mail or phone."
            ),
            contact_count=60,
            locale={"country": "GB", "language": "en"},
            changes_between_exports=True,
        ),
        Member(
            key="empty",
            given_name="Alan",
            family_name="Turing",
            email="alan.turing@example.co.uk",
            description="No contacts at all: the export succeeds with an empty list.",
            contact_count=0,
            locale={"country": "GB", "language": "en"},
        ),
        Member(
            key="failing",
            given_name="Katherine",
            family_name="Johnson",
            email="katherine.johnson@example.com",
            description="The export never succeeds: every task ends FAILED.",
            contact_count=42,
            export_fails=True,
        ),
        Member(
            key="noperm",
            given_name="Émilie",
            family_name="du Châtelet",
            email="emilie.du-chatelet@example.fr",
            description=(
                "Signs in without the Contacts permission: the API says 403 until a fresh "
                "consent (prompt=consent) grants it."
            ),
            contact_count=17,
            locale={"country": "FR", "language": "fr"},
            has_contacts_permission=False,
        ),
    )
}


def member_get(key: str | None) -> Member | None:
    return MEMBERS.get(key or "")


def member_by_sub(sub: str) -> Member | None:
    return next((member for member in MEMBERS.values() if member.sub == sub), None)


def address_book(key: str, version: int = 0) -> list[dict]:
    """Return the member's address book (generated once, then cached; treat it as read-only).

    `version` counts the member's earlier export tasks; only a member whose book
    `changes_between_exports` has a different book for each (the others' is cached once).
    """
    return _address_book(key, _book_version(key, version))


def address_book_json(key: str, version: int = 0) -> str:
    """Return the member's address book serialised, cached so that 50,000 contacts answer fast."""
    return _address_book_json(key, _book_version(key, version))


def _book_version(key: str, version: int) -> int:
    return version if MEMBERS[key].changes_between_exports else 0


@functools.lru_cache(maxsize=len(MEMBERS) + 8)
def _address_book(key: str, version: int) -> list[dict]:
    book = addressbook.generate(key, MEMBERS[key].contact_count)
    return addressbook.evolve(key, book, version) if version else book


@functools.lru_cache(maxsize=len(MEMBERS) + 8)
def _address_book_json(key: str, version: int) -> str:
    return json.dumps(_address_book(key, version), ensure_ascii=False, separators=(",", ":"))
