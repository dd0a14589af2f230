"""Device passwords: create, revoke, and the user name they go with."""

from __future__ import annotations

import logging
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from devices.models import DeviceLogin, DevicePassword
from devices.passwords import (
    device_password_generate,
    device_password_hash,
    device_username_generate,
)

logger = logging.getLogger(__name__)

# Every request from a device is checked against each of the member's passwords.
MAX_DEVICE_PASSWORDS = 20
NAME_MAX_LENGTH = DevicePassword._meta.get_field("name").max_length


class TooManyDevicePasswords(Exception):
    pass


def device_login_get_or_create(*, user: AbstractBaseUser) -> DeviceLogin:
    """Return the member's device user name, choosing one the first time."""
    existing = DeviceLogin.objects.filter(user=user).first()
    if existing is not None:
        return existing
    for _ in range(5):
        try:
            with transaction.atomic():
                return DeviceLogin.objects.create(
                    user=user, username=device_username_generate(first_name=user.first_name)
                )
        except IntegrityError:
            # Either the random user name was taken or another request created the login.
            existing = DeviceLogin.objects.filter(user=user).first()
            if existing is not None:
                return existing
    raise RuntimeError("no free device user name after five tries")


def device_password_create(*, user: AbstractBaseUser, name: str) -> tuple[DevicePassword, str]:
    """Create a device password; return it with its plaintext, which is never kept."""
    name = " ".join(name.split())[:NAME_MAX_LENGTH] or gettext("Phone or app")
    with transaction.atomic():
        device_login_get_or_create(user=user)
        if DevicePassword.objects.filter(user=user).count() >= MAX_DEVICE_PASSWORDS:
            raise TooManyDevicePasswords
        plaintext = device_password_generate()
        device_password = DevicePassword.objects.create(
            user=user, name=name, password=device_password_hash(plaintext)
        )
    logger.info("event=device_password_created user=%s", user.pk)
    return device_password, plaintext


def device_password_revoke(*, user: AbstractBaseUser, public_id: UUID) -> DevicePassword:
    """Delete one of the member's device passwords and return it (no longer saved).

    Raise `DevicePassword.DoesNotExist` for an unknown id or another member's.
    """
    device_password = DevicePassword.objects.defer("password").get(user=user, public_id=public_id)
    device_password.delete()
    logger.info("event=device_password_revoked user=%s", user.pk)
    return device_password


def device_passwords_revoke_all(*, user: AbstractBaseUser) -> int:
    """Delete every device password of the member; return how many there were."""
    deleted, _ = DevicePassword.objects.filter(user=user).delete()
    logger.info("event=device_passwords_revoked user=%s count=%s", user.pk, deleted)
    return deleted
