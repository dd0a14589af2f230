from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from contactsapp import crypto


class LinkedInAccount(models.Model):
    """A member's LinkedIn identity and the access token that acts on their behalf.

    `sub` is the stable key: LinkedIn members can change their email address.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="linkedin_account"
    )
    sub = models.CharField("LinkedIn member id", max_length=255, unique=True)
    name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    picture_url = models.URLField(max_length=2000, blank=True)
    # From the profile's `locale` at sign-in: the default region of the contacts' phone numbers.
    country = models.CharField(max_length=2, blank=True)
    # A code of settings.LANGUAGES: LinkedIn's at the first sign-in, then the member's choice
    # with the switcher; blank while neither said one (the browser's language is used).
    language = models.CharField(max_length=8, blank=True)
    # Fernet ciphertext; read and write it through `access_token` only.
    encrypted_access_token = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    granted_scopes = models.CharField(max_length=1000, blank=True)
    token_updated_at = models.DateTimeField(null=True, blank=True)
    # Given to some applications only: renews the access token without the member. Fernet
    # ciphertext like the access token; read and write it through `refresh_token` only.
    encrypted_refresh_token = models.TextField(blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or self.sub

    @property
    def access_token(self) -> str:
        if not self.encrypted_access_token:
            return ""
        try:
            return crypto.decrypt(self.encrypted_access_token)
        except crypto.InvalidToken:
            return ""  # encrypted with a retired key: the member signs in again

    def set_access_token(self, token: str, *, expires_at: datetime | None, scopes: str) -> None:
        self.encrypted_access_token = crypto.encrypt(token) if token else ""
        self.token_expires_at = expires_at
        self.granted_scopes = scopes
        self.token_updated_at = timezone.now()

    @property
    def refresh_token(self) -> str:
        if not self.encrypted_refresh_token:
            return ""
        try:
            return crypto.decrypt(self.encrypted_refresh_token)
        except crypto.InvalidToken:
            return ""

    def set_refresh_token(self, token: str, *, expires_at: datetime | None) -> None:
        self.encrypted_refresh_token = crypto.encrypt(token) if token else ""
        self.refresh_token_expires_at = expires_at if token else None

    @property
    def has_usable_token(self) -> bool:
        """True while we hold an unexpired token. Status polls ask this, so it does not
        decrypt; a token that no longer decrypts is refused by LinkedIn (401) and forgotten.
        """
        if not self.encrypted_access_token:
            return False
        return self.token_expires_at is None or self.token_expires_at > timezone.now()
