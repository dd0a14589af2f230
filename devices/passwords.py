"""Generate, hash and check device passwords and device user names (pure logic)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import (
    BasePasswordHasher,
    PBKDF2PasswordHasher,
    make_password,
    mask_hash,
)
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from django.utils.text import slugify

# No 0/o, 1/l/i: a person copies the password from a screen onto a phone keyboard.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
GROUPS = 5
GROUP_LENGTH = 4  # 20 characters of 31: about 99 bits
USERNAME_SUFFIX_LENGTH = 6
USERNAME_STEM_LENGTH = 20


class DevicePasswordHasher(BasePasswordHasher):
    """A keyed hash (HMAC-SHA256 under a key derived from `SECRET_KEY`), salted, compared
    in constant time: the standard for generated API tokens.

    A slow hash (PBKDF2, Argon2) stretches each guess of a password a person chose, which
    a dictionary can reach. A device password is 99 random bits: no dictionary reaches it
    and no number of rounds makes it easier or harder to guess, while every request from a
    phone carries it, so a slow check is a cost on every request and protects nothing.
    The key adds what rounds would not: a copy of the table alone cannot be checked
    offline at all. Rotating `SECRET_KEY` keeps passwords working while the old key is in
    `SECRET_KEY_FALLBACKS` (checked in turn; a match upgrades the stored hash).
    """

    algorithm = "device_hmac_sha256"
    key_salt = "devices.passwords.DevicePasswordHasher"

    def salt(self) -> str:
        return get_random_string(16)

    def encode(self, password: str, salt: str, *, secret: str | None = None) -> str:
        self._check_encode_args(password, salt)
        digest = salted_hmac(
            self.key_salt, f"{salt}${password}", secret=secret, algorithm="sha256"
        ).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, str]:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "salt": salt, "hash": digest}

    def matching_secret(self, password: str, encoded: str) -> str | None:
        """Return the secret `encoded` was made with if `password` matches it, else None."""
        salt = self.decode(encoded)["salt"]
        for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
            if constant_time_compare(self.encode(password, salt, secret=secret), encoded):
                return secret
        return None

    def verify(self, password: str, encoded: str) -> bool:
        return self.matching_secret(password, encoded) is not None

    def safe_summary(self, encoded: str) -> dict[str, str]:
        decoded = self.decode(encoded)
        return {"algorithm": decoded["algorithm"], "salt": mask_hash(decoded["salt"])}

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass


class LegacyDevicePasswordHasher(PBKDF2PasswordHasher):
    """The hash device passwords were stored with first (PBKDF2, 1,000 rounds): still
    checked, and replaced by `DevicePasswordHasher`'s on the first successful use.
    """

    iterations = 1_000


HASHER = DevicePasswordHasher()
LEGACY_HASHER = LegacyDevicePasswordHasher()
# Checked against when the user name is unknown, so a miss costs what a wrong password does.
# A hash no password matches (its digest is not hex), checked by the same steps.
_DECOY_HASH = f"{HASHER.algorithm}${get_random_string(16)}${'-' * 64}"


def device_password_generate() -> str:
    """Return a new password, in dash-separated groups of four for reading."""
    characters = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(
        characters[start : start + GROUP_LENGTH]
        for start in range(0, len(characters), GROUP_LENGTH)
    )


def device_password_normalize(password: str) -> str:
    """Return the password without the grouping: dashes, spaces and case do not count."""
    return "".join(password.split()).replace("-", "").lower()


def device_password_hash(password: str) -> str:
    return make_password(device_password_normalize(password), hasher=HASHER)


@dataclass(frozen=True, slots=True)
class Check:
    matches: bool
    # The stored hash should be replaced by `device_password_hash(password)`: it is of the
    # legacy hasher, or made with a key that is now a fallback.
    needs_upgrade: bool = False


def device_password_check(password: str, encoded: str) -> Check:
    """Check `password` against a stored hash of either hasher.

    The hashers' own checks, so the result never depends on `PASSWORD_HASHERS`.
    """
    normalized = device_password_normalize(password)
    if encoded.startswith(f"{HASHER.algorithm}$"):
        secret = HASHER.matching_secret(normalized, encoded)
        return Check(secret is not None, secret is not None and secret != settings.SECRET_KEY)
    if encoded.startswith(f"{LEGACY_HASHER.algorithm}$"):
        matches = LEGACY_HASHER.verify(normalized, encoded)
        return Check(matches, matches)
    return Check(False)


def device_password_matches(password: str, encoded: str) -> bool:
    return device_password_check(password, encoded).matches


def device_password_decoy_check(password: str) -> None:
    HASHER.matching_secret(device_password_normalize(password), _DECOY_HASH)


def device_username_generate(*, first_name: str) -> str:
    """Return a user name like `ada-k7m2p9`: the member's first name, made unique."""
    stem = slugify(first_name)[:USERNAME_STEM_LENGTH].strip("-") or "member"
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(USERNAME_SUFFIX_LENGTH))
    return f"{stem}-{suffix}"
