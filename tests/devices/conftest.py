"""Fixtures for the device passwords' tests: members, and Basic-auth requests from a device."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from contactsapp.models import LinkedInAccount
from devices import services, throttle

_numbers = itertools.count(1)


@pytest.fixture
def make_member(db):
    def make(first_name: str = "Ada"):
        number = next(_numbers)
        user = get_user_model().objects.create_user(
            username=f"linkedin:device-{number}", first_name=first_name
        )
        LinkedInAccount.objects.create(user=user, sub=f"device-sub-{number}", name=first_name)
        return user

    return make


@pytest.fixture
def device_request():
    """Build a request from a device: over HTTPS unless told, from a given address."""
    factory = RequestFactory()

    def build(
        authorization: str | None = None, *, address: str = "192.0.2.10", secure: bool = True
    ):
        headers = {"Authorization": authorization} if authorization else {}
        return factory.generic(
            "PROPFIND", "/dav/", secure=secure, headers=headers, REMOTE_ADDR=address
        )

    return build


@pytest.fixture
def device_account(make_member):
    """A member with one device password: (user, user name, password)."""
    user = make_member()
    _device_password, password = services.device_password_create(user=user, name="Phone")
    username = services.device_login_get_or_create(user=user).username
    return user, username, password


@pytest.fixture
def low_limits(monkeypatch):
    """Throttle after three failures per user name and five per address."""
    monkeypatch.setattr(throttle, "MAX_FAILURES_PER_USERNAME", 3)
    monkeypatch.setattr(throttle, "MAX_FAILURES_PER_ADDRESS", 5)


# The browser suite's fixtures (a live app on the sandbox, Chromium at 1280 and 390 px).
from tests.e2e.conftest import app, browser, chromium_path, viewport  # noqa: E402, F401
