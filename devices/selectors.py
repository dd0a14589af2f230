from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from devices.models import DevicePassword


def device_passwords_for_owner(*, user: AbstractBaseUser) -> QuerySet[DevicePassword]:
    """Return the member's device passwords, newest first (the hashes are left out)."""
    return DevicePassword.objects.filter(user=user).defer("password").order_by("-created_at", "-id")
