"""Encryption at rest for LinkedIn access tokens (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt"]


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS)).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Return the plaintext; raise `InvalidToken` if it was not encrypted with our keys."""
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS)).decrypt(ciphertext.encode()).decode()
