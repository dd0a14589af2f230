"""Who is who across contacts and exports: normalised keys and keyed fingerprints.

A contact is recognised by its normalised e-mail, else its international phone, else its
normalised name (its *match key*). Fingerprints are HMACs of those keys with a server
secret (derived from SECRET_KEY) and the member's id: they let one export be compared with
the next after its contacts are gone, without keeping anything readable, and the same
e-mail gives different fingerprints for different members.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Callable

from django.utils.crypto import salted_hmac

FINGERPRINT_SALT = "exports.matching.fingerprint"
UID_SALT = "exports.matching.vcard-uid"
FINGERPRINT_LENGTH = 32  # hex characters: 128 bits


def email_key(email: str) -> str:
    """Return the e-mail as compared: trimmed and case-folded ("Ada@X.com" is "ada@x.com")."""
    return email.strip().casefold()


def name_key(name: str) -> str:
    """Return the name as compared: NFKC, case-folded, runs of white space made one space."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def match_key(*, email: str, phone_international: str, name: str) -> str:
    """Return the key that says who a contact is: e-mail, else phone, else name; "" if none."""
    if key := email_key(email):
        return f"email:{key}"
    if phone_international:
        return f"phone:{phone_international}"
    if key := name_key(name):
        return f"name:{key}"
    return ""


def fingerprinter(*, owner_id: int) -> Callable[[str], str]:
    """Return a function giving the member's keyed fingerprint of a value ("" stays "").

    The key is derived once per member, so fingerprinting 50,000 contacts is one HMAC each.
    """
    key = salted_hmac(FINGERPRINT_SALT, str(owner_id), algorithm="sha256").digest()

    def fingerprint(value: str) -> str:
        if not value:
            return ""
        digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
        return digest[:FINGERPRINT_LENGTH]

    return fingerprint


def vcard_uids(*, owner_id: int) -> Callable[[str], str]:
    """Return a function giving the vCard UID of a match key: the same for the same person
    in every export of the member, so re-importing updates a card instead of adding one.
    """
    key = salted_hmac(UID_SALT, str(owner_id), algorithm="sha256").digest()

    def uid(match: str) -> str:
        digest = hmac.new(key, match.encode(), hashlib.sha256).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"

    return uid
