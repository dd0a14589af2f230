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


@functools.lru_cache(maxsize=len(MEMBERS))
def address_book(key: str) -> list[dict]:
    """Return the member's address book (generated once, then cached; treat it as read-only)."""
    return addressbook.generate(key, MEMBERS[key].contact_count)


@functools.lru_cache(maxsize=len(MEMBERS))
def address_book_json(key: str) -> str:
    """Return the member's address book serialised, cached so that 50,000 contacts answer fast."""
    return json.dumps(address_book(key), ensure_ascii=False, separators=(",", ":"))
