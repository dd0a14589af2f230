from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class DeviceLogin(models.Model):
    """The user name a member's phones and apps sign in to the address book with.

    Chosen once and kept, so an account set up on a phone keeps working when the member's
    name changes on LinkedIn; Basic auth forbids the colon of the Django user name.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_login"
    )
    username = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.username


class DevicePassword(models.Model):
    """A generated password that opens the member's address book to one phone or app."""

    # Revoke buttons carry this, never the integer key, so ids cannot be guessed or counted.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Deleting the member (their "delete all my data") deletes their device passwords.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_passwords"
    )
    name = models.CharField(max_length=100)
    # Django's password hasher format; the password itself is never stored.
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="device_password_owner")]

    def __str__(self) -> str:
        return self.name


class DeviceAuthFailure(models.Model):
    """One failed sign-in from a phone or app, counted to throttle guessing.

    In the database, not in a process, so every web process sees the same count. The key
    is a keyed digest of the user name or client address, so no address is held.
    """

    class Scope(models.TextChoices):
        USERNAME = "username", "User name"
        ADDRESS = "address", "Client address"

    scope = models.CharField(max_length=16, choices=Scope.choices)
    key = models.CharField(max_length=64)
    failed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["scope", "key", "failed_at"], name="device_auth_failure"),
            models.Index(fields=["failed_at"], name="device_auth_failure_age"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} failure at {self.failed_at:%Y-%m-%d %H:%M:%S}"
