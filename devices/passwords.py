"""Generate, hash and check device passwords and device user names (pure logic)."""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.utils.text import slugify

# No 0/o, 1/l/i: a person copies the password from a screen onto a phone keyboard.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
GROUPS = 5
GROUP_LENGTH = 4  # 20 characters of 31: about 99 bits
USERNAME_SUFFIX_LENGTH = 6
USERNAME_STEM_LENGTH = 20


class DevicePasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few rounds: stretching protects guessable passwords, and a device
    password is 99 random bits, which no number of rounds makes easier or harder to guess.
    Every request from a phone carries the password, so each check must be cheap.
    """

    iterations = 1_000


HASHER = DevicePasswordHasher()
# Checked against when the user name is unknown, so a miss costs what a wrong password does.
_DECOY_HASH = make_password(secrets.token_urlsafe(16), hasher=HASHER)


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


def device_password_matches(password: str, encoded: str) -> bool:
    # The hasher's own verify, so the check never depends on PASSWORD_HASHERS.
    return HASHER.verify(device_password_normalize(password), encoded)


def device_password_decoy_check(password: str) -> None:
    HASHER.verify(device_password_normalize(password), _DECOY_HASH)


def device_username_generate(*, first_name: str) -> str:
    """Return a user name like `ada-k7m2p9`: the member's first name, made unique."""
    stem = slugify(first_name)[:USERNAME_STEM_LENGTH].strip("-") or "member"
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(USERNAME_SUFFIX_LENGTH))
    return f"{stem}-{suffix}"
